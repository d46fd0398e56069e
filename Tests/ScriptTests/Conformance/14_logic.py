print(1 and 2, 0 and 2, 1 or 2, 0 or 2, None or "default", "" or [] or 0, not 0, not "x")
print(1 < 2 < 3, 1 < 3 < 2, 3 > 2 == 2, 1 == 1.0, None is None, [] is not [])
a = [1]
b = a
print(a is b, a == [1], a is [1], 2 in a, 1 in a)
print(True == 1, False == 0, True is True, 1 != 2, "a" != "a")
x = 0
def side(v):
    global x
    x += 1
    return v
print(side(0) and side(1), x)
print(side(1) or side(2), x)
print(0.1 + 0.2 == 0.3, abs(0.1 + 0.2 - 0.3) < 1e-9, float("nan") == float("nan"))
print(max(1, 2) if 1 < 2 else min(1, 2), 5 if not None else 6)
print([] == [], {} == {}, (1,) == (1,), [1, 2] != [2, 1], "abc" < "abd" < "b")
