import Causeway
print("causeway")
