"""The sales screens' forms, one module per part; they parse input for the services."""
