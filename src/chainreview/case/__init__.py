"""Review cases on the statutory clock: the regime's procedure as data (`procedure`), the
working-day calendar its deadlines are counted on (`workdays`), cases through the store
(`service`, `rounds`, `access`, `users`), and what they come to: opinions, decisions, tracked
conditions and risk acceptances (`opinions`, `decisions`, `conditions`, `acceptances`, read
together in `outcomes`)."""
