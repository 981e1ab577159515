"""The hand-written async drivers that unawait generates `sqlvec._drivers._sync` from."""
