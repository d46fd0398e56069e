pairs = [(1, "one"), (2, "two")]
for num, word in pairs:
    print(num, word)
a, (b, c) = 1, (2, 3)
print(a, b, c)
x = y = z = 0
print(x, y, z)
first, second, *others = range(6)
print(first, second, others)
a, *mid, b = [1, 2]
print(a, mid, b)
def two():
    return 1, 2
p, q = two()
print(p, q, two())
try:
    a, b = [1, 2, 3]
except ValueError as e:
    print(e)
try:
    a, b, c = [1, 2]
except ValueError as e:
    print(e)
d = {"x": 1, "y": 2}
for i, (k, v) in enumerate(sorted(d.items())):
    print(i, k, v)
print([*range(3), *"ab"], (*[1, 2], 3), {**{"a": 1}, **{"b": 2}})
