"""Mention templates for simulated people, in English and French (written for the sandbox).

`{brand}` is the brand's @handle; `{product}`, `{place}`, `{n}`, `{day}` and `{order}` are
filled from the lists below. Kinds: praise, question, spam, complaint, critical (a safety or
legal issue a person must see at once).
"""

from __future__ import annotations

KINDS = ("praise", "question", "spam", "complaint", "critical")

FILLERS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "product": ("the new app", "the loyalty card", "the delivery service", "the coffee maker", "the eco pack"),
        "place": ("the Lyon store", "the airport shop", "the downtown branch", "your website", "the app"),
        "day": ("yesterday", "this morning", "on Monday", "last week", "today"),
    },
    "fr": {
        "product": ("la nouvelle appli", "la carte fidélité", "le service de livraison", "la cafetière", "le pack éco"),
        "place": ("la boutique de Lyon", "la boutique de l'aéroport", "l'agence du centre", "votre site", "l'appli"),
        "day": ("hier", "ce matin", "lundi", "la semaine dernière", "aujourd'hui"),
    },
}

TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "praise": (
            "{brand} just tried {product} and I love it, great job!",
            "Shout-out to the team at {place}, super friendly {day} {brand}",
            "{brand} you made my day, {product} works perfectly",
            "Honestly the best customer service I've had in years {brand} 👏",
            "{brand} thanks for the quick fix {day}!",
        ),
        "question": (
            "{brand} does {product} ship to Belgium?",
            "Hey {brand}, what are the opening hours of {place} on Sunday?",
            "{brand} how do I reset my password on {place}?",
            "{brand} is there a student discount on {product}?",
            "Quick question {brand}: can I return an item bought at {place} online?",
        ),
        "spam": (
            "{brand} 🚀 EARN $5000 A WEEK from home, DM me now!!!",
            "{brand} check my profile for FREE followers 🔥🔥🔥",
            "{brand} crypto giveaway 💰 send 0.1 ETH get 1 ETH back, limited time",
            "{brand} {brand} {brand} follow back??? #f4f #followforfollow",
        ),
        "complaint": (
            "{brand} order #{order} still not delivered after {n} days. Unacceptable.",
            "{brand} {product} stopped working {day}, nobody answers the phone",
            "Waited {n} minutes at {place} {day} and left with nothing {brand}",
            "{brand} charged twice for order #{order}, I want my money back",
            "{brand} your app keeps crashing since the update, fix it please",
        ),
        "critical": (
            "{brand} {product} caught fire in my kitchen {day}, my kid could have been hurt",
            "{brand} found glass in the food I bought at {place} {day}. Calling a lawyer.",
            "{brand} your employee at {place} assaulted my father {day}, this is a police matter",
            "{brand} the charger of {product} gave my son an electric shock",
        ),
    },
    "fr": {
        "praise": (
            "{brand} je viens d'essayer {product}, j'adore, bravo !",
            "Merci à l'équipe de {place}, super accueil {day} {brand}",
            "{brand} vous avez sauvé ma journée, {product} marche parfaitement",
            "Franchement le meilleur service client depuis des années {brand} 👏",
        ),
        "question": (
            "{brand} est-ce que {product} est livré en Belgique ?",
            "Bonjour {brand}, quels sont les horaires de {place} le dimanche ?",
            "{brand} comment je réinitialise mon mot de passe sur {place} ?",
            "{brand} il y a une réduction étudiante sur {product} ?",
        ),
        "spam": (
            "{brand} 🚀 GAGNEZ 5000€ PAR SEMAINE depuis chez vous, écrivez-moi !!!",
            "{brand} abonnés GRATUITS sur mon profil 🔥🔥🔥",
            "{brand} concours crypto 💰 envoyez 0,1 ETH recevez 1 ETH",
        ),
        "complaint": (
            "{brand} commande n°{order} toujours pas livrée après {n} jours. Inadmissible.",
            "{brand} {product} ne marche plus depuis {day}, personne ne répond au téléphone",
            "Attendu {n} minutes à {place} {day} et reparti les mains vides {brand}",
            "{brand} débité deux fois pour la commande n°{order}, je veux être remboursé",
        ),
        "critical": (
            "{brand} {product} a pris feu dans ma cuisine {day}, mon enfant aurait pu être blessé",
            "{brand} du verre dans la nourriture achetée à {place} {day}. J'appelle un avocat.",
            "{brand} le chargeur de {product} a électrocuté mon fils",
        ),
    },
}

# A viral complaint: what the storm is about (every storm mention echoes it).
STORM_TEMPLATES: dict[str, tuple[str, ...]] = {
    "en": (
        "{brand} is it true {product} leaks customer data?? I want answers",
        "Same here {brand}, {product} is broken for everyone. #fail",
        "{brand} boycott until you explain what happened with {product}",
        "RT if {brand} ruined your {day} too. {product} is a disaster",
        "{brand} {n} hours and still no statement about {product}?",
    ),
    "fr": (
        "{brand} c'est vrai que {product} fait fuiter les données clients ?? Répondez",
        "Pareil {brand}, {product} est en panne pour tout le monde. #honte",
        "{brand} boycott tant que vous n'expliquez pas ce qui s'est passé avec {product}",
    ),
}

FIRST_NAMES = ("alex", "marie", "sam", "lucas", "emma", "noah", "lea", "hugo", "chloe", "jules", "nina", "omar",
               "sofia", "theo", "ines", "liam", "zoe", "adam", "jade", "milo")
LAST_NAMES = ("martin", "dubois", "smith", "jones", "bernard", "petit", "garcia", "moreau", "brown", "roux",
              "lee", "fontaine", "nguyen", "walker", "blanc")
SPAM_NAMES = ("crypto_gains", "free_follows", "win_big_now", "promo_deals", "cash_daily")
