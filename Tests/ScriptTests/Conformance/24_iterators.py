it = iter("ab")
print(next(it), next(it))
try:
    next(it)
except StopIteration:
    print("stop")
e = enumerate(["x", "y"])
print(next(e), list(e))
z = zip([1, 2], [3, 4], [5, 6])
print(list(z))
m = map(lambda a, b: a + b, [1, 2], [10, 20])
print(list(m))
print(list(zip()), list(zip([1], [])))
r = range(0, 20, 5)
print(list(r), r[1], r[-1], len(r), r.start, r.stop, r.step, 15 in r, 16 in r)
for i, (a, b) in enumerate(zip("ab", "cd")):
    print(i, a + b)
d = {"one": 1, "two": 2}
for k in d:
    print(k, d[k])
print(list(reversed("abc")), list(reversed((1, 2))), sorted(d.items(), key=lambda kv: kv[1], reverse=True))
