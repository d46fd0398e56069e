import os
path = "/tmp/dsh_conformance_with.txt"
with open(path, "w") as f:
    f.write("first line\n")
    f.write("second line\n")
    print(f.closed)
print(f.closed)
with open(path) as f:
    text = f.read()
print(repr(text))
with open(path) as f:
    for line in f:
        print(line.rstrip())
with open(path, "a") as f:
    print("third", file=f)
with open(path) as f:
    print(f.readlines())
print(os.path.exists(path))
os.remove(path)
print(os.path.exists(path))
try:
    open("/tmp/definitely/not/here.txt")
except FileNotFoundError as e:
    print("missing:", e)
except OSError as e:
    print("os error", e)
