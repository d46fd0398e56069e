print("dsh")
