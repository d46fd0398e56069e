print([x * 2 for x in range(5)])
print([x for x in range(20) if x % 3 == 0 if x % 2 == 0])
print([(i, j) for i in range(3) for j in range(i)])
print({c: ord(c) for c in "abc"})
print(sorted({len(w) for w in ["a", "bb", "cc", "ddd"]}))
print(sum(x * x for x in range(10)), any(x > 8 for x in range(10)), all(x < 5 for x in range(10)))
print(list(x + 1 for x in [1, 2]))
x = "outer"
print([x for x in "ab"], x)
matrix = [[1, 2, 3], [4, 5, 6]]
print([[row[i] for row in matrix] for i in range(3)])
print([v if v > 2 else 0 for v in range(5)])
print(max(len(s) for s in ["a", "abcd", "ab"]), min((v, k) for k, v in {"a": 3, "b": 1}.items()))
