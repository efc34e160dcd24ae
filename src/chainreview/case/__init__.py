"""Review cases on the statutory clock: the working-day calendar their deadlines are counted on."""
