for i in range(10):
    if i % 2 == 0:
        continue
    if i > 7:
        break
    print(i, end=" ")
print()
n = 0
while n < 5:
    n += 1
else:
    print("while done", n)
for i in range(3):
    pass
else:
    print("for else", i)
for i in range(3):
    if i == 1:
        break
else:
    print("not printed")
x = 5
if x > 10:
    print("big")
elif x > 3:
    print("medium")
else:
    print("small")
print("yes" if x else "no", x if x > 100 else -x)
for i, (a, b) in enumerate([(1, 2), (3, 4)], start=1):
    print(i, a, b)
for a, b in zip("abc", [1, 2, 3]):
    print(a, b, sep="-", end=";")
print()
for i in reversed(range(3)):
    print(i, end=",")
print()
total = 0
for i in range(100):
    if i % 50 == 0:
        print("step", i)
    total += i
print(total)
