x = 1
del x
try:
    print(x)
except NameError as e:
    print(e)
lst = [1, 2, 3, 4]
del lst[0], lst[-1]
print(lst)
d = {"a": 1, "b": 2}
del d["a"]
print(d)
counter = 0
def bump():
    global counter
    counter += 1
for _ in range(5):
    bump()
print(counter)
def local_shadow():
    counter = 100
    return counter
print(local_shadow(), counter)
def unbound():
    print(v)
    v = 1
try:
    unbound()
except UnboundLocalError as e:
    print("UnboundLocalError:", e)
except NameError as e:
    print("NameError:", e)
