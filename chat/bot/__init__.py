"""The customer-service bot: retrieval, decisions and the LLM client, free of Django."""
