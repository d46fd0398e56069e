s = "The quick brown fox"
print(s.split(" ", 2), s.rsplit(" ", 1), s.lower().count("o"), s.index("quick"), s.find("zzz"))
print("a-b-c".replace("-", "+", 1), "abc".replace("", "|"), "x".join([]), ",".join(["solo"]))
print("  x ".lstrip(), "| x  ".rstrip() + "|", "www.example.com".strip("cmowz."))
print("3".isdigit(), "3.5".isdigit(), "abc123".isalnum(), "   ".isspace(), "Hello".isupper(), "HELLO".isupper(), "hi".islower())
print("prefix_name".removeprefix("prefix_"), "file.txt".removesuffix(".txt"), "CamelCase".lower())
print("a\tb".split("\t"), "1,2,3".split(",", maxsplit=1), "  leading".split(" "))
print("Hello"[1:], "Hello"[:-1], "abc" * 0, "é".upper(), len("héllo"))
print("{}".format("x").center(5, "*"), "abc".center(4, "."), "ab".center(5, "."))
