class_free = "no classes, but dicts as records"
grid = {(0, 0): "a", (1, 2): "b"}
print(grid[0, 0], grid[(1, 2)], (1, 2) in grid)
rows = [[r * 3 + c for c in range(3)] for r in range(3)]
print(rows, [r[1] for r in rows], rows[-1][-1])
print([rows[i][i] for i in range(3)], sum(sum(r) for r in rows))
text = "one two three"
print(text.split()[1][::-1], text[4:7].upper())
s = slice(1, 5, 2)
print(list(range(10))[s], s.start, s.stop, s.step)
