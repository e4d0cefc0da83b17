"""Transaction monitoring: rules on every money movement and sign-in, and the queue of held movements."""
