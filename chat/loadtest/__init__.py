"""A load generator for the customer socket: simulated mini-program users on a fixed schedule."""
