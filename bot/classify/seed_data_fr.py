"""French synthetic brand-mention tweets for the shipped default model (the French half of `seed_data`).

Every phrase here was written for brandbot (no text is taken from any data set, nor from the sandbox's
templates, which are kept for evaluation). `bot.classify.seed_data.main()` writes these rows after the
English ones into `data/seed_examples.csv`. Items carry their possessive and gender ("ma commande", f) so
that problems agree: `{e}` in a problem becomes "e" after a feminine item.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from bot.classify.seed_data import draw_unique


@dataclass(frozen=True)
class IndustryFr:
    """Slot fillers for one kind of French brand."""

    handles: tuple[str, ...]
    items: tuple[tuple[str, str], ...]  # ("ma commande", "f"): possessive included, gender m/f
    problems: tuple[str, ...]  # after the item: "est arrivé{e} cassé{e}"
    services: tuple[str, ...]  # things that can be down ("l'appli", "le site")
    events: tuple[str, ...]  # bad events, a full clause
    questions: tuple[str, ...]  # neutral questions, without the handle and "?"
    praise: tuple[str, ...]  # "merci pour ..."
    chatter: tuple[str, ...]  # neutral mentions
    actions: tuple[str, ...]  # "je n'arrive pas à ..."


INDUSTRIES_FR: tuple[IndustryFr, ...] = (
    IndustryFr(
        handles=("@AirAzurFR", "@VolCielFrance", "@LigneBleueAir", "@EnvolCompagnie"),
        items=(("ma valise", "f"), ("mon bagage", "m"), ("ma réservation", "f"), ("mon vol", "m"),
               ("mon remboursement", "m"), ("mon bon d'achat", "m"), ("ma carte d'embarquement", "f")),
        problems=("a été perdu{e} à l'escale", "n'est jamais arrivé{e} sur le tapis", "a été annulé{e} sans prévenir",
                  "est revenu{e} abîmé{e}", "n'a toujours pas été traité{e}", "a disparu de mon compte",
                  "est bloqué{e} depuis des semaines"),
        services=("l'enregistrement en ligne", "votre appli", "le site de réservation", "le comptoir bagages",
                  "le service client", "le wifi à bord"),
        events=("mon vol a été annulé la veille du départ", "on attend en porte d'embarquement depuis 3h",
                "vous avez surbooké et on m'a refusé à l'embarquement", "j'ai raté ma correspondance à cause du retard",
                "personne à l'aéroport pour nous renseigner", "ma valise n'est pas arrivée à Nice",
                "on est resté 2h dans l'avion sans clim", "le vol est encore retardé sans explication",
                "le personnel au comptoir a été d'une impolitesse incroyable"),
        questions=("quelle est la taille max du bagage cabine", "vous desservez Porto cet hiver",
                   "je peux prendre ma guitare en cabine", "l'enregistrement ouvre combien de temps avant",
                   "il y a du wifi sur les long-courriers", "un bébé a besoin de son propre passeport"),
        praise=("l'atterrissage tout en douceur", "l'équipage adorable", "le surclassement surprise",
                "le changement de vol en 2 minutes", "la vue magnifique depuis le hublot"),
        chatter=("premier vol pour Montréal", "en route pour les vacances", "à l'aéroport avec toute la famille",
                 "place hublot réservée", "départ pour Marrakech demain matin"),
        actions=("m'enregistrer en ligne", "changer mon vol", "choisir mon siège", "ajouter un bagage",
                 "télécharger ma carte d'embarquement"),
    ),
    IndustryFr(
        handles=("@FibreMaxFR", "@TelcoBleu", "@MobiPlusSAV", "@OndeTelecom", "@BoxNetFrance"),
        items=(("ma facture", "f"), ("ma box", "f"), ("ma ligne", "f"), ("mon forfait", "m"),
               ("ma carte SIM", "f"), ("mon nouveau téléphone", "m"), ("mon abonnement", "m")),
        problems=("a doublé ce mois-ci", "ne marche plus", "n'est toujours pas activé{e}", "coupe sans arrêt",
                  "est fausse depuis trois mois", "a été résilié{e} par erreur", "n'a jamais été livré{e}",
                  "affiche des frais que je n'ai jamais acceptés"),
        services=("internet", "la fibre", "le réseau", "la 4G", "votre site", "l'assistance en ligne", "la box"),
        events=("pas de réseau de toute la journée", "internet est coupé depuis hier soir",
                "vous avez coupé ma ligne alors que j'ai payé", "le technicien n'est jamais venu",
                "j'ai un débit ridicule pour le prix que je paie", "30 minutes d'attente au 3900 pour rien",
                "on m'a transféré 5 fois puis raccroché au nez", "vous augmentez encore mon forfait sans prévenir",
                "on m'a facturé des frais de résiliation injustifiés"),
        questions=("vous avez la fibre dans les petits villages", "je peux garder mon numéro si je change d'opérateur",
                   "quel forfait pour voyager en Europe", "vous proposez l'eSIM", "comment on configure la messagerie",
                   "il existe une offre pour les étudiants"),
        praise=("la fibre ultra rapide", "le technicien super sympa", "le nouveau forfait",
                "la réparation de ma ligne en une heure", "la réponse rapide sur le chat"),
        chatter=("je viens de passer à la fibre", "match en streaming sur mon tel", "nouveau téléphone aujourd'hui",
                 "test de la 5G en ville"),
        actions=("me connecter", "payer ma facture en ligne", "joindre le service client", "recharger mon compte",
                 "passer des appels", "accéder à mon espace client"),
    ),
    IndustryFr(
        handles=("@BoutikMode", "@MaisonDecoFR", "@ChaussuresLouise", "@LibrairieDuQuai", "@MegaMarcheFR"),
        items=(("ma commande", "f"), ("mon colis", "m"), ("ma livraison", "f"), ("mon canapé", "m"),
               ("ma veste", "f"), ("mon retour", "m"), ("ma carte cadeau", "f"), ("mon remboursement", "m")),
        problems=("est arrivé{e} abîmé{e}", "n'est jamais arrivé{e}", "est arrivé{e} incomplet{te}",
                  "a été livré{e} à la mauvaise adresse", "n'a toujours pas été remboursé{e}",
                  "est bloqué{e} dans votre entrepôt depuis une semaine", "n'est pas à la bonne taille",
                  "s'est déchiré{e} au premier lavage", "est marqué{e} livré{e} mais je n'ai rien reçu"),
        services=("votre site", "le paiement en ligne", "l'appli", "le retrait en magasin", "le suivi de colis",
                  "le formulaire de retour", "votre hotline"),
        events=("la vendeuse du magasin m'a parlé comme à un chien", "j'ai été débité deux fois pour un seul achat",
                "vous avez annulé ma commande sans me prévenir",
                "le livreur a mis un avis de passage alors que j'étais là",
                "le remboursement me prend une éternité", "j'ai reçu un article qui n'a rien à voir",
                "le magasin était fermé en pleine journée", "45 minutes de queue à la caisse",
                "on m'a refusé l'échange alors que j'avais le ticket"),
        questions=("vous livrez en Belgique", "les soldes commencent quand", "cette veste existe en vert",
                   "le magasin de Nantes est ouvert le dimanche", "vous faites les paquets cadeaux",
                   "je peux rendre en magasin un article acheté en ligne",
                   "les frais de port sont offerts dès combien"),
        praise=("la livraison express", "le joli emballage", "les conseils en boutique", "la taille parfaite",
                "le retour sans prise de tête"),
        chatter=("nouvelles baskets pour le week-end", "petit shopping avec ma sœur", "mon nouveau pull préféré",
                 "déco du salon terminée"),
        actions=("suivre ma commande", "utiliser mon code promo", "faire un retour", "valider mon panier",
                 "réinitialiser mon mot de passe", "retrouver ma commande"),
    ),
    IndustryFr(
        handles=("@PizzaDelFuego", "@CroqueExpress", "@LivrEatFR", "@BurgerDuCoin", "@CafeDesArts"),
        items=(("ma commande", "f"), ("ma pizza", "f"), ("mon repas", "m"), ("mon burger", "m"),
               ("ma livraison", "f"), ("mon menu", "m")),
        problems=("est arrivé{e} froid{e}", "est arrivé{e} avec une heure de retard", "était incomplet{te}",
                  "était complètement faux{sse}", "a été livré{e} chez quelqu'un d'autre",
                  "n'est jamais venu{e} mais j'ai été débité", "était cru{e} au milieu"),
        services=("l'appli", "le suivi du livreur", "la commande en ligne", "le code promo", "le drive"),
        events=("le livreur a mangé mes frites", "j'ai été malade après avoir mangé chez vous",
                "le resto a annulé après 1h d'attente", "commande marquée livrée mais jamais reçue",
                "le livreur a balancé le sac devant la porte", "vous refusez de me rembourser un plat manquant",
                "il manquait la moitié de la commande"),
        questions=("vous livrez après minuit", "les frites sont vegan", "le burger épicé revient quand",
                   "vous avez des options sans gluten", "je peux commander pour demain midi",
                   "il y a quoi dans le nouveau wrap"),
        praise=("la meilleure pizza de la ville", "la livraison super rapide", "le dessert offert",
                "le livreur adorable", "la nouvelle carte"),
        chatter=("soirée pizza du vendredi", "déjeuner réglé", "petit burger pour me faire plaisir",
                 "café avant le boulot"),
        actions=("passer commande", "utiliser mon bon", "contacter le resto", "me faire rembourser dans l'appli",
                 "suivre mon livreur"),
    ),
    IndustryFr(
        handles=("@BanqueAvenir", "@CaisseDuSud", "@PayEclairFR", "@NeoBanqueFR"),
        items=(("ma carte", "f"), ("mon compte", "m"), ("mon virement", "m"), ("mon paiement", "m"),
               ("mon prélèvement", "m"), ("ma demande de prêt", "f")),
        problems=("a été refusé{e} sans raison", "est bloqué{e}", "n'est toujours pas passé{e}",
                  "a été prélevé{e} deux fois", "a disparu", "est en attente depuis des jours"),
        services=("la banque en ligne", "l'appli", "le paiement sans contact", "votre standard", "le distributeur"),
        events=("on m'a pris de l'argent sur mon compte et vous ne faites rien",
                "vous avez fermé mon compte sans prévenir",
                "je suis bloqué hors de mon compte", "le service fraude m'a raccroché au nez",
                "mon salaire n'est toujours pas arrivé", "vous m'avez prélevé des agios par erreur"),
        questions=("comment commander une nouvelle carte", "quel est le taux du livret",
                   "on peut ouvrir un compte joint en ligne", "vous avez une offre jeunes",
                   "un virement international prend combien de temps", "l'agence est ouverte le samedi"),
        praise=("la carte remplacée si vite", "l'appli super claire", "ma conseillère au top", "le bon taux"),
        chatter=("enfin de l'épargne pour l'appart", "jour de paie", "budget vacances bouclé"),
        actions=("me connecter à mon compte", "faire un virement", "payer avec ma carte", "valider mon identité",
                 "voir mon solde"),
    ),
    IndustryFr(
        handles=("@NuageNotes", "@StreamCineFR", "@JeuxVideoPlus", "@AppliFacileFR"),
        items=(("mon compte", "m"), ("mon abonnement", "m"), ("l'appli", "f"), ("mon ordi", "m"),
               ("la mise à jour", "f"), ("ma sauvegarde", "f"), ("ma licence", "f")),
        problems=("plante sans arrêt", "a effacé toutes mes notes", "ne charge plus",
                  "m'a déconnecté{e} et je ne peux plus revenir", "m'a été facturé{e} après résiliation",
                  "a tout cassé", "reste bloqué{e} sur l'écran de chargement", "a effacé ma progression"),
        services=("le serveur", "la synchro", "l'appli", "la connexion", "le streaming", "le site", "le multijoueur"),
        events=("j'ai perdu tous mes fichiers après la mise à jour", "la vidéo coupe toutes les 5 secondes",
                "impossible de me connecter sur aucun appareil", "votre chatbot tourne en boucle",
                "la nouvelle version rend mon téléphone super lent",
                "on me facture une offre que je n'ai jamais prise"),
        questions=("il y a un mode sombre", "ça marche hors connexion", "la prochaine mise à jour sort quand",
                   "je peux partager mon abonnement avec ma famille", "l'appli existe sur Linux",
                   "comment exporter mes données"),
        praise=("la super mise à jour", "le correctif sorti aujourd'hui", "l'appli qui me simplifie la vie",
                "le support hyper réactif"),
        chatter=("je teste la nouvelle bêta", "marathon séries ce week-end", "nouveau record", "code tard le soir"),
        actions=("synchroniser mes notes", "me connecter", "enregistrer mon travail", "résilier mon abonnement",
                 "installer la mise à jour"),
    ),
    IndustryFr(
        handles=("@AutoVoltFR", "@LocaRouteFR", "@GarageCentral", "@HotelsEscale", "@TrainRegionInfo",
                 "@EauDuValSAV", "@EnergieVerteFR"),
        items=(("ma voiture", "f"), ("ma location", "f"), ("ma réparation", "f"), ("ma chambre", "f"),
               ("mon train", "m"), ("mon relevé de compteur", "m"), ("mon abonnement", "m")),
        problems=("est tombé{e} en panne sur l'autoroute", "était sale", "n'est toujours pas réglé{e}",
                  "a été supprimé{e} encore une fois", "est facturé{e} beaucoup trop cher",
                  "a été annulé{e} sans explication", "n'a pas été pris{e} en compte"),
        services=("les trains", "l'électricité", "l'eau chaude", "le chauffage", "le site de réservation",
                  "les bornes de recharge", "l'ascenseur"),
        events=("on est sans électricité depuis deux jours", "le train avait 40 minutes de retard et était bondé",
                "le chauffeur a fait un détour et m'a surfacturé", "il y avait de la moisissure dans la salle de bain",
                "personne ne répond au numéro d'urgence", "le bus de remplacement n'est jamais passé",
                "le garage m'a menti sur la réparation", "ça fait 3 semaines que je suis sans voiture"),
        questions=("le petit-déjeuner est compris", "les trains circulent le jour férié",
                   "comment transmettre mon relevé", "vous avez des chambres avec vue sur la mer",
                   "les chiens sont acceptés", "le dernier train part à quelle heure"),
        praise=("le séjour parfait", "le retour du courant si rapide", "le chauffeur sympa",
                "les trains à l'heure cette semaine", "l'accueil à l'hôtel"),
        chatter=("week-end en amoureux", "trajet boulot avec un bon livre", "road trip en Bretagne"),
        actions=("réserver une chambre", "transmettre mon relevé", "acheter un billet", "prendre rendez-vous",
                 "signaler la panne"),
    ),
)

DURATIONS_FR = ("2 heures", "trois heures", "45 minutes", "une heure", "plus d'une heure", "4 jours", "deux semaines",
                "une semaine", "10 jours", "un mois", "6 semaines", "cinq jours", "3 semaines", "20 jours",
                "depuis lundi", "depuis la semaine dernière", "des lustres", "15 jours")
TAILS_ANGRY_FR = ("", "", "", " encore une fois", " pour la 3e fois", " et personne ne m'aide", ". C'est une blague ?",
                  ". Sérieusement ?", ". Inacceptable", ". Scandaleux", " #honte", " 😡", ". Pas content du tout",
                  ". Ras le bol", ". Réglez ça svp", ". Lamentable", " 🙄", ". N'importe quoi", ". Plus jamais",
                  ". Toujours aucune réponse", "!!", ". Je veux être remboursé", ". Nul", ". J'en ai marre",
                  ". Aidez-moi svp", ". Des nouvelles ?", ". Il se passe quoi ?", " et tout le monde s'en fiche",
                  ". Honteux", ". Vraiment déçu", ". Merci de me répondre", " #arnaque", ". Franchement…")
TAILS_HAPPY_FR = ("", "", "!", "!!", " 😍", " ❤️", " 🙌", ". Vous êtes au top", ". Merci !", " #clientcontent",
                  ". Bravo", ". Continuez comme ça", " 👏", ". Trop bien")
USERS_FR = ("@julie_m", "@thomas_b", "@camille2b", "@nico_lyon", "@manon.r", "@kevin75", "@sarah_dlt", "@maxime_p",
            "@lea_v", "@yanis_k", "@pauline_g", "@fred_marseille")
FOLLOW_FR = ("personne ne me rappelle", "service client inexistant", "ça fait {dur} que j'attends",
             "je veux être remboursé", "tout le monde s'en fiche", "je ne commanderai plus jamais chez vous",
             "vous comptez faire quoi ?", "il faut que ce soit réglé aujourd'hui", "je suis furieux",
             "c'est épuisant", "aucune réponse à mes mails")
PROBLEM_SHORT_FR = ("est en panne", "a planté", "bug", "ne marche plus", "est HS", "ne charge pas", "rame",
                    "m'a déconnecté", "plante encore", "ne fonctionne pas")

COMPLAINT_TEMPLATES_FR = (
    "{h} {item} {problem}{tail}",
    "{h} bonjour, {item} {problem}. quelqu'un peut m'aider ?",
    "{h} ça fait {dur} que j'attends {item}{tail}",
    "{h} ça fait {dur} que {item} {problem}{tail}",
    "{h} j'attends {item} depuis {dur}{tail}",
    "{h} toujours rien reçu, {item} {problem}",
    "{h} toujours rien pour {item} après {dur}{tail}",
    "{h} toujours pas de nouvelles de {item}{tail}",
    "{h} toujours pas reçu {item}, commande n°{num}{tail}",
    "{h} commande n°{num} : {item} {problem}{tail}",
    "{h} commande #{num} jamais reçue, j'ai payé il y a {dur}{tail}",
    "{h} dossier {num}, {dur} d'attente et rien ne bouge{tail}",
    "{h} pourquoi {service} est encore en panne ?",
    "{h} pourquoi {service} ne marche jamais ?",
    "{h} pourquoi personne ne répond à mes mails ?",
    "{h} pourquoi je dois vous relancer à chaque fois ?",
    "{h} pourquoi c'est si compliqué de {action} ?",
    "{h} comment c'est possible que {event} ?",
    "{h} {event}{tail}",
    "{h} {event}. {follow}",
    "{h} {service} {short}{tail}",
    "{h} {service} {short} depuis {dur}{tail}",
    "{h} {service} ne marche plus depuis {dur}, {follow}",
    "{h} {service} {short} et personne ne décroche au téléphone",
    "{h} j'ai appelé {n} fois et personne ne répond{tail}",
    "{h} personne ne répond au téléphone ni aux mails{tail}",
    "{h} je vous ai écrit il y a {dur} au sujet de {item}, aucune réponse{tail}",
    "{h} {dur} en attente au téléphone pour finalement être raccroché{tail}",
    "{h} ça fait {dur} que je suis en attente avec votre hotline{tail}",
    "bravo {h}, {event} 🙄",
    "merci pour rien {h}. {event}",
    "j'adore payer pour {service} qui ne marche jamais. merci {h}",
    "{h} quelqu'un peut m'aider svp ? {event}",
    "{h} répondez à mes MP, {event}",
    "{h} je veux un remboursement, {item} {problem}",
    "{h} débité deux fois pour {item}, rendez-moi mon argent{tail}",
    "{h} j'ai été prélevé 2 fois ce mois-ci, c'est quoi ce délire ?",
    "{h} vous refusez de me rembourser alors que {item} {problem}{tail}",
    "{h} remboursement refusé sans explication{tail}",
    "{h} erreur sur {item}, vous m'avez facturé {num}€ au lieu de {num2}€{tail}",
    "{h} client depuis 10 ans et voilà comment vous me traitez ? {event}",
    "{h} vraiment déçu. {event}",
    "{h} pas contente du tout, {item} {problem}",
    "{h} il y a quelqu'un ? {event}",
    "{h} on me dit d'attendre encore {dur}. c'est une blague",
    "{h} vous allez réparer {service} quand ? ça fait {dur}",
    "{h} {item} arrive quand exactement ? commandé il y a {dur}",
    "{h} on m'avait promis un rappel il y a {dur}. rien",
    "{h} arrêtez de m'ignorer. {event}",
    "{event} et {h} s'en fiche complètement",
    "{event}. bravo {h}{tail}",
    "{h} je veux parler à un responsable. {event}",
    "{h} honteux. {event}",
    "{h} pff. {event}",
    "{h} j'arrive pas à {action}{tail}",
    "{h} je n'arrive pas à {action}. {follow}",
    "{h} impossible de {action}{tail}",
    "{h} impossible de {action} depuis {dur}{tail}",
    "{h} toujours impossible de {action}{tail}",
    "{h} jai essayé de {action} {n} fois, ça ne marche pas",
    "{h} message d'erreur à chaque fois que j'essaie de {action}",
    "{h} {service} est en panne ?",
    "{h} {service} est encore HS ??",
    "{h} des nouvelles de {item} ? ça fait {dur}",
    "{h} il se passe quoi avec {service} ?",
    "{h} c'est quoi ça ? {url}",
    "{h} regardez dans quel état {item} est arrivé{e} {url}",
    "{h} {item} {problem} {url}",
    "{item} {problem} {h}",
    "plus jamais {h}. {event}",
    "{h} allô ? y a quelqu'un ? {event}",
    "{h} aucune réponse à mon MP depuis {dur}",
    "{h} merci de m'avoir envoyé le mauvais article…",
    "{h} moi aussi, {event}",
    "{h} même problème ici, {service} {short}",
    "{h} rendez-moi juste mon argent",
    "{h} vos prix sont devenus délirants",
    "{h} vous augmentez encore vos prix et {service} est pire qu'avant",
    "{h} se moque de ses clients. {event}",
    "j'aimais bien {h} jusqu'à ce que {event}",
    "{h} {service} est nul depuis la mise à jour",
    "{h} on m'avait dit qu'on me rappellerait. {dur} plus tard, rien",
    "{h} vous aviez dit {dur}. ça fait {dur2}",
    "je viens de passer {dur} au téléphone avec {h} et rien n'est réglé",
    "{h} c'est ridicule de devoir tweeter pour avoir une réponse",
    "{h} à quoi sert une hotline où personne ne décroche",
    "{h} j'ai déjà fait tout ça, toujours impossible de {action}",
    "{h} où est {item} ??",
    "{h} où est passé{e} {item} ? {follow}",
    "{h} je regrette d'être passé chez vous",
    "{h} le pire service client que j'ai connu. {event}",
    "{h} le conseiller a été odieux avec moi au téléphone",
    "{h} accueil déplorable dans votre agence aujourd'hui",
    "{h} le personnel a été super désagréable avec ma mère",
    "{h} {when}, {event}{tail}",
    "{h} {when} j'ai {did} et {outcome}",
    "{when} j'ai {did} et {outcome} {h}{tail}",
    "{h} c'est la 3e fois ce mois-ci que {event}",
    "{h} ça devient n'importe quoi, {event}",
    "{h} franchement c'est plus possible, {item} {problem}",
    "{h} j'en peux plus, {service} {short} tous les jours",
    "{h} un mois que j'attends mon remboursement, c'est normal ?",
    "{h} c'est normal que {item} {problem} ?",
    "{h} vous trouvez ça normal ? {event}",
)
NOT_COMPLAINT_TEMPLATES_FR = (
    "{h} {question} ?",
    "{h} bonjour, {question} ?",
    "{h} bonjour ! {question} ? merci",
    "{h} petite question : {question} ?",
    "{h} salut, {question} ? merci d'avance",
    "{h} {question} ? c'est pour un ami",
    "bonjour {h}, {question} ?",
    "{h} merci pour {praise}{happy}",
    "{h} un grand merci pour {praise}{happy}",
    "merci {h} pour {praise}{happy}",
    "big up à {h} pour {praise}{happy}",
    "{h} j'adore {praise}{happy}",
    "{h} trop contente de {item}{happy}",
    "{h} vous êtes géniaux{happy}",
    "{h} meilleur service depuis longtemps{happy}",
    "{h} c'est réglé, merci pour votre aide rapide{happy}",
    "{h} problème résolu, merci beaucoup{happy}",
    "{h} jamais eu de souci avec vous, continuez{happy}",
    "{h} rien à redire, {praise} était parfait",
    "{chatter} avec {h}{happy}",
    "{chatter} {h}",
    "{h} {chatter}{happy}",
    "{h} pouvez-vous m'envoyer les détails de l'offre en MP ?",
    "{h} vous pouvez me suivre pour que je vous envoie mon numéro de commande ?",
    "{h} comment je fais pour {action} ?",
    "{h} c'est possible de {action} depuis l'étranger ?",
    "{h} je peux {action} sans l'appli ?",
    "{h} quelle est la façon la plus simple de {action} ?",
    "{h} comment réinitialiser mon mot de passe ?",
    "{h} vous êtes ouverts le 14 juillet ?",
    "{h} vous livrez en Suisse et au Luxembourg ?",
    "{h} il y a une remise pour les étudiants ?",
    "{h} quels sont vos horaires ce samedi ?",
    "{h} bien reçu, merci !",
    "{h} ok merci, je vais essayer",
    "{h} merci, MP envoyé",
    "{h} c'est bon ça remarche, merci",
    "{h} ça marche maintenant, ça venait de chez moi",
    "{h} parfait, à la semaine prochaine",
    "{h} on vous aime",
    "{h} mon numéro de commande est le {num}, merci",
    "{h} commande n°{num} bien reçue, merci !",
    "{h} commande {num} arrivée en avance, top{happy}",
    "{h} je vous envoie le numéro {num} en MP",
    "{h} je déménage, comment transférer {item} ?",
    "{h} je me suis trompé de taille, je peux échanger ?",
    "{h} je me suis trompée de date, je peux modifier ?",
    "{h} je peux annuler une des deux commandes ? j'ai cliqué deux fois par erreur",
    "{h} j'ai oublié mon code promo, vous pouvez l'appliquer ?",
    "{h} {item} arrivera avant le week-end ?",
    "{h} vous recrutez pour l'été ?",
    "{h} qui contacter pour un partenariat ?",
    "{h} vous serez au salon la semaine prochaine ?",
    "{h} joyeux anniversaire ! {happy}",
    "{h} je participe au concours, croisons les doigts{happy}",
    "{h} votre nouvelle pub m'a fait rire",
    "{h} le nouveau logo est top",
    "{h} haha j'adore",
    "{h} ce tweet 😂",
    "{h} x {h2} collab quand ?",
    "{user} {h} oui ! {praise} c'est le top",
    "{h} je pense passer chez vous, {question} ?",
    "{h} on part le mois prochain, {question} ?",
    "{h} commandé aujourd'hui, hâte de recevoir {item} !",
    "{h} merci pour la réponse rapide",
    "{h} merci pour l'info",
    "{h} d'accord, je passe en boutique demain",
    "{h} pas de souci, merci de votre retour",
    "{h} suggestion : un mode sombre ce serait top",
    "{h} idée : plus d'options végé svp 🙏",
    "je regarde l'appli {h} tous les jours pour les promos mdr",
    "réservé avec {h}, trop hâte{happy}",
    "{h} réessayé aujourd'hui, aucun souci, merci !",
    "{h} tout fonctionne depuis hier, merci",
    "{h} oui c'est ma première commande",
    "{h} oui je vous ai envoyé la référence",
    "{h} c'est au nom de mon mari",
    "{h} je suis sur l'appli android",
    "{h} je vérifie ce soir et je reviens vers vous",
    "{h} c'était la grande taille",
    "{h} où est-ce que je trouve les infos sur {item} ?",
    "{h} je voudrais changer l'adresse mail de mon compte, je fais comment ?",
    "{h} cet e-mail vient bien de chez vous ? {url}",
    "{h} l'offre est toujours valable ? {url}",
    "{h} vous l'avez en taille M ? {url}",
    "{h} pourquoi pas une boutique à Lille ? ce serait top",
    "{h} pourquoi vous ne faites pas de version pour enfants ? ma fille adore",
    "{chatter} grâce à {h} {url}",
    "{h} {service} marche super bien depuis la mise à jour{happy}",
    "{h} tout fonctionne nickel, merci à l'équipe{happy}",
    "{h} {item} marche à merveille, rien à dire{happy}",
    "{h} vous m'avez sauvé la mise avec {praise}{happy}",
    "{h} la livraison est gratuite à partir de combien ?",
    "{h} il y a des tarifs réduits pour les étudiants ou les seniors ?",
    "{h} la livraison le samedi c'est possible ?",
)
RANDOM_TEMPLATES_FR = (
    "{user} mdr pareil", "{user} félicitations !!", "{user} carrément d'accord", "{user} oh non, bon rétablissement",
    "{user} ptdr non", "{user} à tout à l'heure !", "{user} grave", "{user} merci beaucoup ❤️", "{user} tu me manques",
    "{user} joyeux anniversaire !! 🎉", "{user} jsp trop", "{user} bon courage pour demain !",
    "{user} on se retrouve où ?",
    "{user} t'es le pire 😂", "{user} c'est pour ça que je t'aime", "{user} trop fière de toi", "{user} rip",
    "{user} j'y crois pas", "{user} ça m'est arrivé hier aussi", "{user} plus jamais mdr", "{user} {reply}",
    "{user} {user2} {reply}", "vivement le week-end", "encore lundi…", "trop fatiguée aujourd'hui",
    "cette pluie c'est n'importe quoi", "quelqu'un regarde le match ce soir ?", "meilleure journée de ma vie",
    "pourquoi il fait si froid", "nouvel article sur le blog {url}", "10 km bouclés ce matin",
    "je cuisine pour toute la famille ce soir", "j'ai besoin de vacances", "je m'ennuie au boulot",
    "bonjour tout le monde ☀️", "les bouchons ce matin, une horreur", "je suis malade aujourd'hui",
    "crêpes au petit déj", "nouvelle semaine, nouveaux objectifs", "révisions toute la nuit",
    "j'ai encore perdu mes clés", "les voisins font la fête ce soir", "mon équipe a encore perdu pff",
    "salle de sport puis pizza", "{subject} {bad}", "{subject} {bad} {url}", "franchement {subject} {bad}",
    "{subject} {good}", "pourquoi {subject} {bad} ?", "c'est moi ou {subject} {bad} ?", "{user} {subject} {bad}",
    "{user} {subject} {good}", "{org} {news} {url}", "URGENT : {org} {news} {url}", "{org} {news}",
    "{life} 🙃", "{life}. c'est pas mon jour", "{life} mdr", "{life} et on est que lundi", "bon bah {life}",
    "{user} {life} haha", "nouvelle vidéo en ligne ! {url}", "qui vient au concert ce soir ?",
    "je cuisine quoi ce soir ?", "quelqu'un connaît un bon dentiste sur Lyon ?", "la nouvelle saison sort quand ?",
    "il pleut toute la semaine 🌧️", "{user} tu as su ce qui s'est passé ?", "{user} l'arbitre était nul ce soir",
    "{user} tu l'as trouvé où ?", "{user} c'était annulé l'an dernier de toute façon", "{user} comment c'est légal ça",
    "les politiques n'écoutent jamais personne", "mon père connaît toujours un raccourci et on arrive en retard",
    "{user} le mien aussi a lâché au bout d'une semaine mdr", "{user} réparé, c'était le câble",
    "ça fait 3 semaines que j'attends que mon coloc fasse la vaisselle", "toujours rien à la télé le dimanche",
)
SUBJECTS_FR = ("ma sœur", "cette ville", "le gouvernement", "l'arbitre", "mon chef", "le périph", "mon chien",
               "la météo", "cette élection", "le nouvel album", "le café", "mon équipe", "mon proprio",
               "cette canicule", "mon petit frère", "la nouvelle série", "l'ananas sur la pizza", "le bac")
BAD_FR = ("me rend folle", "est une catastrophe", "a gâché ma semaine", "n'a aucun sens", "est surcoté",
          "doit s'arrêter", "est le pire", "va me tuer", "est une blague", "m'énerve", "est épuisant", "me saoule")
GOOD_FR = ("est incroyable", "a illuminé ma journée", "est enfin là", "ne déçoit jamais", "est sous-coté",
           "est trop beau", "me fait pleurer de rire", "mérite plus d'amour")
REPLIES_FR = ("mdr pareil", "trop d'accord", "c'est affreux, courage", "je savais pas", "j'avoue", "oh la honte",
              "je ramène les chips", "c'était où ?", "trop jaloux", "bien vu", "je t'avais dit", "c'est tellement vrai",
              "il écoute jamais mdr", "pire arbitre de l'histoire", "bienvenue au club")
ORGS_FR = ("La mairie", "Le lycée", "Des chercheurs", "Le musée", "La préfecture", "Le club",
           "Les organisateurs du festival")
NEWS_FR = ("annonce un nouveau parc", "alerte sur des orages ce week-end", "ouvre une nouvelle expo",
           "dévoile la programmation de l'été", "demande de limiter l'eau", "recrute un nouvel attaquant",
           "vote le budget ce soir")
LIFE_FR = ("j'ai brûlé les tartines", "j'ai oublié mon parapluie", "j'ai passé la journée à ranger",
           "j'ai enfin fini mon mémoire", "j'ai raté le bus de 10 secondes", "j'ai renversé du café sur mon ordi",
           "j'ai eu mon permis", "j'ai dormi jusqu'à midi", "j'ai fait mon premier semi-marathon",
           "le chat a mangé mon sandwich", "je me suis enfermée dehors")
WHEN_FR = ("hier", "la semaine dernière", "ce matin", "vendredi", "il y a deux jours", "hier soir", "le mois dernier")
DID_FR = ("payé la livraison express", "appelé votre hotline", "changé de forfait", "déposé ma voiture au garage",
          "commandé un gâteau d'anniversaire", "envoyé mon ordi en réparation", "renouvelé mon abonnement",
          "installé la mise à jour", "acheté un matelas")
OUTCOMES_FR = ("toujours rien", "personne n'a pu m'aider", "ma facture a augmenté", "j'ai reçu le mauvais",
               "vous n'avez aucune trace", "c'est revenu pire qu'avant", "j'ai été débité deux fois",
               "tout a disparu", "c'était fermé")
HASHTAGS_FR = ("#SAV", "#serviceclient", "#lundi", "#colère", "#voyage", "#fail", "#weekend", "#bonplan", "#merci")
ABBREV_FR = ((" s'il vous plaît", " svp"), ("pourquoi", "pk"), ("toujours", "tjrs"), ("beaucoup", "bcp"),
             (" c'est ", " c "), ("quelqu'un", "qqn"), (" je suis ", " chui "))
_FEM = {"{e}": "e", "{te}": "te", "{sse}": "sse"}
_MASC = {"{e}": "", "{te}": "", "{sse}": "x"}


def _agree(text: str, gender: str) -> str:
    for key, value in (_FEM if gender == "f" else _MASC).items():
        text = text.replace(key, value)
    return text


def _url(rng: random.Random) -> str:
    return "https://t.co/" + "".join(rng.choice("abcdefghkmnpqrstuvwxyz0123456789") for _ in range(10))


def _fill(rng: random.Random, template: str, ind: IndustryFr) -> str:
    item, gender = rng.choice(ind.items)
    handle = rng.choice(ind.handles)
    if rng.random() < 0.3:
        handle = handle.removesuffix("FR").removesuffix("SAV") + rng.choice(("_SAV", "Aide", "_FR", "Client", "France"))
    values = {
        "h": handle,
        "item": item,
        "problem": _agree(rng.choice(ind.problems), gender),
        "service": rng.choice(ind.services),
        "event": rng.choice(ind.events),
        "question": rng.choice(ind.questions),
        "praise": rng.choice(ind.praise),
        "chatter": rng.choice(ind.chatter),
        "action": rng.choice(ind.actions),
        "tail": rng.choice(TAILS_ANGRY_FR),
        "happy": rng.choice(TAILS_HAPPY_FR),
        "dur": rng.choice(DURATIONS_FR),
        "dur2": rng.choice(DURATIONS_FR),
        "n": rng.choice(("3", "4", "cinq", "six", "10", "vingt")),
        "num": str(rng.randrange(10, 999_999)),
        "num2": str(rng.randrange(10, 300)),
        "short": rng.choice(PROBLEM_SHORT_FR),
        "follow": rng.choice(FOLLOW_FR).replace("{dur}", rng.choice(DURATIONS_FR)),
        "when": rng.choice(WHEN_FR),
        "did": rng.choice(DID_FR),
        "outcome": rng.choice(OUTCOMES_FR),
        "h2": rng.choice(rng.choice(INDUSTRIES_FR).handles),
        "user": rng.choice(USERS_FR),
        "user2": rng.choice(USERS_FR),
        "subject": rng.choice(SUBJECTS_FR),
        "bad": rng.choice(BAD_FR),
        "good": rng.choice(GOOD_FR),
        "reply": rng.choice(REPLIES_FR),
        "org": rng.choice(ORGS_FR),
        "news": rng.choice(NEWS_FR),
        "life": rng.choice(LIFE_FR),
        "url": _url(rng),
    }
    values["e"] = "e" if gender == "f" else ""
    return template.format(**values)


def strip_accents(text: str) -> str:
    """`text` without diacritics (people often type French without them); emoji are kept."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def _vary(rng: random.Random, text: str) -> str:
    """Handle position, hashtags, dropped accents and apostrophes, texting abbreviations, casing."""
    if text.startswith("@") and " " in text and rng.random() < 0.15:
        handle, rest = text.split(" ", 1)
        text = f"{rest} {handle}"
    if rng.random() < 0.08:
        text = f"{text} {rng.choice(HASHTAGS_FR)}"
    if rng.random() < 0.25:
        text = strip_accents(text)
    if rng.random() < 0.15:
        for long, short in ABBREV_FR:
            text = text.replace(long, short)
    roll = rng.random()
    if roll < 0.12:
        text = text.replace("'", "")  # j'ai -> jai
    elif roll < 0.25:
        text = text.replace("'", "\u2019")
    if rng.random() < 0.15:
        text = text.replace(" ne ", " ").replace(" n'", " ")  # spoken negation: "je peux pas"
    if rng.random() < 0.08 and len(text) > 20:  # one swapped pair of letters
        i = rng.randrange(1, len(text) - 2)
        if text[i].isalpha() and text[i + 1].isalpha():
            text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    roll = rng.random()
    if roll < 0.3:
        text = text.lower()
    elif roll < 0.34:
        text = text.upper()
    elif roll < 0.6 and text[:1].islower():
        text = text[0].upper() + text[1:]
    return " ".join(text.split())


def generate(
    seed: int = 11, n_complaints: int = 880, n_brand_other: int = 690, n_random: int = 550
) -> list[tuple[str, int, str]]:
    """French (text, label, kind) rows in the English set's proportions; deterministic for a seed."""
    rng = random.Random(seed)
    seen: set[str] = set()
    rows: list[tuple[str, int, str]] = []

    def add(templates: tuple[str, ...], label: int, kind: str, wanted: int) -> None:
        def make() -> str:
            return _vary(rng, _fill(rng, rng.choice(templates), rng.choice(INDUSTRIES_FR)))

        rows.extend((text, label, kind) for text in draw_unique(make, wanted, max_tries=wanted * 30, seen=seen))

    add(COMPLAINT_TEMPLATES_FR, 1, "complaint", n_complaints)
    add(NOT_COMPLAINT_TEMPLATES_FR, 0, "brand", n_brand_other)
    add(RANDOM_TEMPLATES_FR, 0, "random", n_random)
    rng.shuffle(rows)
    return rows
