def find(items, target):
    for i, v in enumerate(items):
        if v == target:
            return i
    return None
r = find([5, 6, 7], 6)
print(r, r is None, r is not None)
r = find([5, 6, 7], 9)
print(r, r is None, r == None)
values = [3, None, 0, "", [], "x"]
print([v for v in values if v is not None], [v for v in values if v])
default = None
print(default or "fallback", (default if default is not None else 42))
