n = 27
steps = 0
while n != 1:
    n = n // 2 if n % 2 == 0 else 3 * n + 1
    steps += 1
print(steps)
i = 0
while True:
    i += 1
    if i >= 10:
        break
print(i)
queue = [1]
seen = []
while queue:
    v = queue.pop(0)
    seen.append(v)
    if v < 20:
        queue.extend([v * 2, v * 3])
print(seen)
