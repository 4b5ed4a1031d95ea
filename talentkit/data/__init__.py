"""Reading every form of export (events, a one-day snapshot, an assignment history, periodic
snapshots, a roster) through a mapping file into the one internal model, the built-in
company, and who was where on a day. A module here imports only ``core``."""
