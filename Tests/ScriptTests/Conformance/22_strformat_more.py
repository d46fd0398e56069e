rows = [("alpha", 1, 0.5), ("beta", 22, 12.25), ("gamma", 333, 100.0)]
for name, count, ratio in rows:
    print(f"{name:<8}|{count:>5}|{ratio:>8.2f}|")
print("{:*^11}".format("mid"), "{:=+8d}".format(42), "{0[1]} {1[k]}".format([5, 6], {"k": "v"}))
print("%s" % "single", "%s %s" % ("a", "b"), "%5.2f%%" % 99.5, "%-6s|" % "ab", "%3d|%-3d|" % (7, 7), "%c%c" % (72, "i"))
print("%r %a" % ("x", "y"), "%e" % 1234.5, "%g %g" % (0.00001234, 1e10), "%10.3e|" % 3.14159)
print("{!r:>6}".format("q"), "{:.3s}".format("abcdef"), "{:>{w}}".format("r", w=4))
print(format(1234567.891, ",.2f"), format(0.000012345, ".3g"), format(1e100, ".2e"), format(255, "#X"))
print(f"{12:3}|{'ab':3}|{3.5:6}|{True:>5}|{None!s:>5}|")
print("a{}b{}c".format(1, [2]), "{{escaped}} {}".format(0))
