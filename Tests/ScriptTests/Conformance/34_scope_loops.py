for i in range(3):
    last = i * 10
print(i, last)
total = 0
for a in range(3):
    for b in range(3):
        if b > a:
            break
        total += a * b
print(total)
def gen_table(n):
    table = []
    for r in range(1, n + 1):
        table.append([r * c for c in range(1, n + 1)])
    return table
for row in gen_table(4):
    print(" ".join(f"{v:3d}" for v in row))
