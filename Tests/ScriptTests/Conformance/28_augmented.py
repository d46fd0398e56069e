a = 5
a += 2; print(a)
a -= 1; print(a)
a *= 3; print(a)
a /= 4; print(a)
a //= 2; print(a)
a **= 2; print(a)
a %= 3; print(a)
b = 6
b &= 3; print(b)
b |= 8; print(b)
b ^= 1; print(b)
b <<= 2; print(b)
b >>= 1; print(b)
s = "ab"
s += "cd"; s *= 2; print(s)
l = [1]
l2 = l
l += [2]
l *= 2
print(l, l2)
d = {"k": 1}
d["k"] += 10
print(d)
m = [[0, 0], [0, 0]]
m[1][0] += 5
print(m)
t = (1,)
t += (2,)
print(t)
