"""Everything Streamlit-aware: shared state and widgets, the 销号 panels, and the page scripts (views/)."""
