"""The shared core every story stands on: the cassette model, reading (YAML/JSON, every real-world
variant), safe YAML, body decoding, secret filters, discovery of cassette files, configuration,
age, and atomic, locked writes."""
