"""Following the people who mention the brand: a pure policy, then a budgeted job or a person."""
