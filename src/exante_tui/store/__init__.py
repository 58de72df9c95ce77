"""The SQLModel store: tables, engine, migrations and the reads the front ends need."""
