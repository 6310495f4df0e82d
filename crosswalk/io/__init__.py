"""Reading and writing documents safely: parsing (documents, lenient), input limits, resolved output paths
(safepath) and the tree lock."""
