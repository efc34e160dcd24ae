"""The determination: factor assessments and a regime's policy in, a reasoned outcome out."""
