a = [3, 1, 4, 1, 5, 9, 2, 6]
a.append(5)
a.extend([3, 5])
a.insert(0, 10)
print(a, len(a), a.count(5), a.index(4))
print(a.pop(), a.pop(0), a)
a.remove(1)
print(a)
b = sorted(a)
print(b, sorted(a, reverse=True), sorted(["bb", "a", "ccc"], key=len))
a.sort()
a.reverse()
print(a, a[1:4], a[-3:], a[::3], a[5:1:-1])
c = a.copy()
c[0] = 100
print(a[0], c[0])
c[1:3] = [7, 7, 7]
print(c)
del c[0]
del c[-2:]
print(c)
print([1, 2] + [3], [0] * 3, [1, 2] == [1, 2], [1, 2] < [1, 3], 3 in [1, 2, 3], [[]] * 2)
nested = [[1, 2], [3, 4]]
print(nested[1][0], [x for row in nested for x in row])
lst = []
lst += (1, 2)
lst += "ab"
print(lst)
print(list(range(5)), list(range(2, 10, 3)), list(range(5, 0, -2)), list("abc"))
c.clear()
print(c, bool(c), bool([0]))
