"""Setting a project up: `init` (configuration and the nightly CI workflow) and the offline `demo`."""
