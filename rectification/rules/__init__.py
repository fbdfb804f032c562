"""Pure rules over loaded data: statuses, RAG, closure states, deadlines levels, headlines, checks."""
