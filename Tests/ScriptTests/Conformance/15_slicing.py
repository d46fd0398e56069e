a = list(range(10))
print(a[2:7], a[:3], a[7:], a[-3:-1], a[::2], a[1::3], a[::-1], a[8:2:-2], a[100:], a[-100:2], a[:])
s = "abcdefghij"
print(s[2:7], s[::-1], s[-4:], s[1:8:3], s[5:2], s[::-3])
t = tuple(a)
print(t[3:5], t[::-4])
a[2:4] = ["x"]
print(a)
a[::2] = [0] * len(a[::2])
print(a)
del a[1:3]
print(a)
b = [1, 2, 3, 4, 5]
b[1:1] = [9, 9]
print(b)
print(b[len(b) - 1], b[-len(b)])
m = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
print(m[1][1:], [row[0] for row in m[::2]])
