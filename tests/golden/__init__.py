"""Golden files of the report renderers and the sample reports they are made from."""
