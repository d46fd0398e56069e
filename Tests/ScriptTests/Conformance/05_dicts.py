d = {"a": 1, "b": 2}
d["c"] = 3
print(d, len(d), d["a"], d.get("z"), d.get("z", 0), "a" in d, "z" not in d)
print(list(d.keys()), list(d.values()), list(d.items()))
print(d.keys(), d.values(), d.items())
for k, v in d.items():
    print(k, v)
d.update({"d": 4}, e=5)
print(d.pop("a"), d.pop("zz", None), d.setdefault("b", 99), d.setdefault("f", 6), d)
del d["b"]
print(d, dict(x=1, y=2), dict([("p", 1), ("q", 2)]), {1: "one", 2.5: "x", (1, 2): "tuple", None: 0})
sq = {n: n * n for n in range(5)}
print(sq, {k: v for k, v in sq.items() if v > 3})
c = d.copy()
c["new"] = 1
print("new" in d, "new" in c, d == c, {1: 2} == {1: 2})
print({**d, "z": 26}, {} or "empty")
counts = {}
for w in "the cat and the hat".split():
    counts[w] = counts.get(w, 0) + 1
print(counts, sorted(counts, key=lambda k: -counts[k]))
print(d.popitem(), d)
e = {True: "t", 1: "one"}
print(e)
