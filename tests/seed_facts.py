"""Facts of the three seed pages, typed in from the pages themselves (not from our code)."""

SEED_FACTS = {
    "lead-backend-specialist-canada": {
        "role": "Lead Backend Specialist",
        "country": "Canada",
        "current": "$141,344",
        "projected": "$152,651",
        "data_points": "2,454",
        "updated": "April 2026",
        "top_skill": "React/Next.js",
        "key_cert": "AWS Certified Developer",
        "small_sample": False,
    },
    "backend-administrator-canada": {
        "role": "Backend Administrator",
        "country": "Canada",
        "current": "$157,410",
        "projected": "$176,299",
        "data_points": "3,606",
        "updated": "April 2026",
        "top_skill": "React/Next.js",
        "key_cert": "AWS Certified Developer",
        "small_sample": False,
    },
    "machine-learning-lead-canada": {
        "role": "Machine Learning Lead",
        "country": "Canada",
        "current": "$123,557",
        "projected": "$131,591",
        "data_points": "2",
        "updated": "April 2026",
        "top_skill": "Python (NumPy/Pandas)",
        "key_cert": "AWS Machine Learning Specialty",
        "small_sample": True,
    },
}


def seed_headings(role: str, country: str) -> list[str]:
    """Section headings of a seed page, in the page's order."""
    return [
        "Market Overview",
        "Regional Demand Signals",
        "Growth Catalyst",
        "Career Moat",
        "Skill Premium Analysis",
        f"Required Skills for {role}",
        f"AI Impact on {role} Careers",
        "Negotiation Strategy",
        f"Cost of Living Context: {country}",
        f"Strategic Checklist for {role} Professionals",
    ]
