"""Review cases on the statutory clock: the regime's procedure as data (`procedure`) and the
working-day calendar its deadlines are counted on (`workdays`)."""
