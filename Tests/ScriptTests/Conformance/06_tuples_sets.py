t = (1, 2, 3)
print(t, t[0], t[-1], t[1:], len(t), (1,), (), tuple([4, 5]), t + (4,), t * 2, t.count(2), t.index(3))
a, b, c = t
print(a, b, c)
a, b = b, a
print(a, b)
first, *rest = [1, 2, 3, 4]
print(first, rest)
*init, last = "abc"
print(init, last)
(x, y), z = (1, 2), 3
print(x, y, z)
s = {3, 1, 2}
s.add(4)
s.discard(1)
print(sorted(s), len(s), 2 in s, sorted(s | {10}), sorted(s & {2, 3}), sorted(s - {2}), sorted(s ^ {2, 99}))
print(set(), sorted(set("hello")), {1, 2} == {2, 1}, {1} < {1, 2}, sorted({x % 3 for x in range(10)}))
print(sorted(set([1, 2]).union([3])), sorted({1, 2, 3}.intersection([2, 3, 4])), {1, 2}.issubset({1, 2, 3}))
print(hash((1, 2)) == hash((1, 2)), (1, 2) < (1, 3), (1, 2) == (1, 2), max((1, 5), (2, 0)))
