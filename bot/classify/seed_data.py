"""Synthetic brand-mention tweets for the shipped default model, written from templates by this script.

Every phrase here was written for brandbot (no text is taken from any data set), so the generated
`data/seed_examples.csv` (columns text,label,kind) can be shipped. Run `python -m bot.classify.seed_data`.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).parent / "data" / "seed_examples.csv"


@dataclass(frozen=True)
class Industry:
    """Slot fillers for one kind of brand."""

    handles: tuple[str, ...]
    items: tuple[str, ...]  # things a customer has or orders
    item_problems: tuple[str, ...]  # what went wrong with an item ("arrived broken")
    service: tuple[str, ...]  # services that can be down/slow
    events: tuple[str, ...]  # bad events ("my flight got cancelled")
    questions: tuple[str, ...]  # neutral questions, without the handle
    praise: tuple[str, ...]  # what people thank the brand for
    chatter: tuple[str, ...]  # neutral mentions


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        handles=("@SkyWayAir", "@NorthJetAirlines", "@AeroBlueFly", "@CoastalAir"),
        items=("bag", "suitcase", "booking", "seat upgrade", "boarding pass", "refund", "voucher", "miles"),
        item_problems=("never showed up at the carousel", "went missing on the connection", "got lost in transit",
                       "came back with a broken handle", "still hasn't been processed", "disappeared from my account",
                       "was cancelled without telling me", "got downgraded for no reason"),
        service=("the check-in page", "online check-in", "the booking site", "your app", "the lounge wifi",
                 "the baggage desk", "the call centre"),
        events=("my flight got cancelled", "our flight was delayed again", "we've been stuck at the gate",
                "they overbooked the flight and bumped me", "the crew lost my wheelchair booking",
                "my connection was missed because of your delay", "we sat on the plane with no air con",
                "my seat was double booked", "the plane was filthy"),
        questions=("what's the carry-on size limit", "do you fly to Lisbon in winter", "can I bring my guitar on board",
                   "when does online check-in open", "is there wifi on the long-haul flights",
                   "how many bags can I check on the basic fare", "do infants need their own passport"),
        praise=("the smooth landing", "the lovely cabin crew", "getting us home early", "the free upgrade",
                "the quick rebooking", "the amazing sunset views from seat 0A"),
        chatter=("boarding my first flight to Tokyo", "off on holiday", "at the airport with the whole family",
                 "window seat secured", "watching planes land at the terminal"),
    ),
    Industry(
        handles=("@TelcoNetUK", "@BrightMobile", "@FiberLinkHelp", "@WaveTelecom"),
        items=("bill", "phone contract", "sim card", "router", "broadband", "data plan", "new phone", "account"),
        item_problems=("doubled this month", "stopped working", "still isn't activated", "keeps dropping out",
                       "has been wrong three months running", "got cancelled by mistake",
                       "was never delivered", "shows charges I never agreed to"),
        service=("the internet", "my broadband", "the signal", "the 5G network", "your website", "mobile data",
                 "the landline", "customer support chat"),
        events=("I've had no signal all day", "my internet has been down since yesterday",
                "you cut off my line even though I paid", "the engineer never turned up",
                "my speeds are a fraction of what I pay for", "I was on hold for ages",
                "I got transferred five times and then cut off", "you keep raising my price"),
        questions=("do you have coverage in rural areas", "can I keep my number if I switch",
                   "what's the best plan for travelling abroad", "do you sell eSIMs",
                   "how do I set up voicemail", "is there a student discount"),
        praise=("the super fast fibre", "sorting my roaming in minutes", "the friendly engineer",
                "the great new plan", "fixing my line so quickly"),
        chatter=("just switched to a new plan", "streaming the match on my phone", "new phone day",
                 "testing the new 5G in town"),
    ),
    Industry(
        handles=("@ShopMartStores", "@UrbanThreads", "@HomeGoodsCo", "@StrideShoes", "@BookNookShop"),
        items=("order", "parcel", "package", "delivery", "jacket", "trainers", "sofa", "return", "gift card",
               "online order"),
        item_problems=("arrived damaged", "came in the wrong size", "is missing items", "never arrived",
                       "was left out in the rain", "fell apart after one wash", "was delivered to the wrong address",
                       "still hasn't been refunded", "has been stuck in your warehouse for a week"),
        service=("your website", "the checkout", "the app", "click and collect", "the returns portal",
                 "your customer service line", "tracking"),
        events=("the staff at the store were so rude", "I was charged twice for one order",
                "you cancelled my order without telling me", "the courier said nobody was home but I was",
                "my refund is taking forever", "the item I received is not what I ordered",
                "the store was closed during opening hours", "the queue at the till took forty minutes"),
        questions=("do you ship to Canada", "when does the summer sale start", "is this jacket available in green",
                   "what are your store opening hours on Sunday", "do you do gift wrapping",
                   "can I return an item bought online in store", "do you price match"),
        praise=("the quick delivery", "the beautiful packaging", "the helpful store staff",
                "the perfect fit", "the easy return"),
        chatter=("new shoes for the weekend", "picked up a few bits for the house", "sale shopping with my sister",
                 "my new favourite hoodie"),
    ),
    Industry(
        handles=("@DashEats", "@PizzaPronto", "@GrubRunner", "@BurgerBarn", "@CafeCorner"),
        items=("food", "order", "pizza", "burger", "delivery", "coffee", "meal"),
        item_problems=("arrived cold", "showed up an hour late", "was missing half the items",
                       "was completely wrong", "was delivered to someone else", "was raw in the middle",
                       "never came but I was still charged", "had a hair in it"),
        service=("the app", "your delivery tracking", "the drive through", "online ordering", "the promo code"),
        events=("the driver ate my fries", "I got food poisoning after eating there",
                "the restaurant cancelled after I waited forever", "my order was marked delivered but never came",
                "the rider threw my order at the door", "you refused my refund for a missing meal"),
        questions=("do you deliver after midnight", "are your fries vegan", "is the spicy burger back",
                   "do you have gluten free options", "what's in the new breakfast wrap",
                   "can I order for pickup tomorrow"),
        praise=("the best pizza in town", "the speedy delivery", "the free dessert", "the friendly driver",
                "the new menu"),
        chatter=("friday night pizza", "lunch sorted", "treating myself to a burger", "coffee run before work"),
    ),
    Industry(
        handles=("@CityTrustBank", "@MoneyWiseApp", "@UnionSavings", "@PayFlowHelp"),
        items=("card", "account", "transfer", "payment", "loan application", "mortgage", "direct debit", "statement"),
        item_problems=("got declined for no reason", "has been frozen", "still hasn't gone through",
                       "was blocked while I was abroad", "was taken twice", "disappeared",
                       "has been pending for days", "was rejected with no explanation"),
        service=("online banking", "the app", "the card machine", "your phone line", "contactless", "the ATM"),
        events=("someone took money from my account and you won't help", "you closed my account without warning",
                "I've been locked out of my account", "the fraud team hung up on me",
                "my salary hasn't landed", "you charged me an overdraft fee by mistake"),
        questions=("how do I order a new card", "what's the interest rate on the savings account",
                   "can I open a joint account online", "do you offer student accounts",
                   "how long does an international transfer take", "is the branch open on Saturday"),
        praise=("sorting my lost card so fast", "the really clear app", "the helpful advisor",
                "the great savings rate"),
        chatter=("finally saving for a house", "payday", "budgeting for the holidays"),
    ),
    Industry(
        handles=("@CloudNoteApp", "@PixelOS", "@StreamBoxHQ", "@TaskHiveSupport", "@GameStationHQ"),
        items=("account", "subscription", "app", "laptop", "update", "password reset", "save file", "license"),
        item_problems=("keeps crashing", "deleted all my notes", "won't load", "logged me out and won't let me back in",
                       "charged me after I cancelled", "broke everything", "is stuck on the loading screen",
                       "wiped my progress"),
        service=("the server", "sync", "the app", "login", "streaming", "the website", "two factor",
                 "the multiplayer"),
        events=("I lost all my files after the update", "the stream buffers every five seconds",
                "I can't log in on any device", "your support bot just loops",
                "the new update made my phone so slow", "I've been billed for a plan I never signed up for"),
        questions=("is there a dark mode", "does it work offline", "when is the next update coming out",
                   "can I share my subscription with family", "does the app support Linux",
                   "how do I export my data", "is there a student discount on the pro plan"),
        praise=("the brilliant new update", "the fix that landed today", "making my work so much easier",
                "the best app I use every day", "the super helpful support team"),
        chatter=("trying out the new beta", "binge watching all weekend", "new high score", "late night coding"),
    ),
    Industry(
        handles=("@VoltMotors", "@RoadStarCars", "@DriveEasyRentals", "@AutoCareService"),
        items=("car", "rental", "service appointment", "charger", "brakes", "warranty claim", "engine"),
        item_problems=("broke down on the motorway", "has a warning light after the service",
                       "was dirty and scratched", "was rejected", "keeps making a grinding noise",
                       "still hasn't been fixed", "stopped charging"),
        service=("the charging network", "the app", "the dealership", "roadside assistance", "the booking line"),
        events=("the dealer lied about the repair", "I've been without a car for three weeks",
                "you charged me for damage I didn't do", "the recall repair still isn't done",
                "roadside assistance left me waiting on the hard shoulder"),
        questions=("when is the new model coming out", "what's the range in winter",
                   "do you offer test drives at weekends", "is there a towbar option",
                   "how often does it need a service"),
        praise=("the smoothest test drive", "the great service at the dealership", "my beautiful new car",
                "the quick repair"),
        chatter=("road trip time", "first drive in the new car", "washing the car on a sunny day"),
    ),
    Industry(
        handles=("@NovaPhones", "@SoundWaveAudio", "@BrightHomeTech", "@PixelCamGear"),
        items=("headphones", "phone", "smart speaker", "tablet", "camera", "charger", "earbuds", "tv"),
        item_problems=("stopped charging after a week", "has a dead pixel", "won't turn on",
                       "overheats all the time", "came with a cracked screen", "won't pair",
                       "died just after the warranty ended", "keeps restarting"),
        service=("the repair centre", "the support line", "the app", "the warranty process", "firmware update"),
        events=("the repair took six weeks and it's still broken", "the battery swelled up",
                "you refused my warranty claim", "the replacement is also faulty"),
        questions=("does it support wireless charging", "when will the new colour be available",
                   "is the case waterproof", "can I use it with an older phone", "what's the battery life"),
        praise=("the amazing sound quality", "the best camera I've owned", "the fast replacement",
                "the gorgeous screen"),
        chatter=("unboxing my new headphones", "taking photos at the beach", "movie night on the new tv"),
    ),
    Industry(
        handles=("@OrbitalAgency", "@LaunchCoSpace", "@StarPortLive", "@MoonBaseMuseum"),
        items=("tickets", "livestream", "launch viewing pass", "merch order", "tour booking"),
        item_problems=("never arrived", "got cancelled with no refund", "was charged twice",
                       "keeps cutting out", "was sold out in seconds because of bots"),
        service=("the livestream", "the ticket site", "the visitor centre website", "the webcast"),
        events=("the stream died right before liftoff", "the tour was cancelled and nobody told us",
                "the visitor centre staff turned us away", "my merch order has been lost for a month"),
        questions=("when is the next launch window", "will the launch be streamed", "where can I watch the landing",
                   "can kids join the museum tour", "what time is liftoff tomorrow", "is the rover still driving"),
        praise=("the incredible launch", "the stunning images from orbit", "inspiring the next generation",
                "the amazing museum tour", "another perfect landing"),
        chatter=("watching the launch with my kids", "space nerd forever", "what a view of the rocket",
                 "counting down to liftoff"),
    ),
    Industry(
        handles=("@StayInnHotels", "@PowerGridCo", "@CityWaterHelp", "@MetroRailNews", "@QuickRideTaxi"),
        items=("room", "booking", "bill", "train", "ride", "meter reading", "season ticket"),
        item_problems=("was filthy", "was given away", "is way higher than it should be", "was cancelled again",
                       "never turned up", "is estimated wrong every month", "hasn't been refunded"),
        service=("the trains", "the power", "hot water", "the heating", "the booking site", "the lifts"),
        events=("we've had no power for two days", "the train was packed and twenty minutes late",
                "the driver took a long route and overcharged me", "there was mould in the bathroom",
                "no one picks up the emergency line", "the replacement bus never came"),
        questions=("is breakfast included", "are the trains running on the bank holiday",
                   "how do I submit a meter reading", "do you have rooms with a sea view",
                   "can I bring my dog", "what time is the last train"),
        praise=("the lovely stay", "getting the power back so fast", "the friendly driver",
                "the on-time trains this week"),
        chatter=("weekend away", "commuting with a good book", "cosy night in"),
    ),
)

DURATIONS = ("2 hours", "three hours", "45 minutes", "an hour", "over an hour", "4 days", "two weeks", "a week",
             "10 days", "a month", "6 weeks", "five days", "90 minutes", "all morning", "since Monday",
             "since last week", "forever")
TAILS_ANGRY = ("", "", "", " again", " for the third time", " and nobody is helping", ". What a joke",
               ". Seriously?", ". This is unacceptable", ". Sort it out", " #fail", " 😡", ". Not impressed",
               ". So annoyed", ". Fix this please", ". Absolutely useless", " 🙄", ". Ridiculous",
               ". Never again", ". Still waiting on a reply", "!!", ". I want a refund", ". Terrible",
               " and I'm fed up", ". Please help", ". Any update?", ". What's going on?", " and no one cares")
TAILS_HAPPY = ("", "", "!", "!!", " 😍", " ❤️", " 🙌", ". You're the best", ". Thank you!", " #happycustomer",
               ". Made my day", ". Great job", ". Keep it up")
USERS = ("@jess_m", "@tomwilliams", "@k8lyn", "@dan_the_man", "@mariag", "@bigmike88", "@soph_r", "@nadia_k",
         "@alexj", "@the_real_lee", "@rosie_p", "@c_harper")
NAMES_RANDOM_TOPICS = ("the new album", "this weather", "my garden", "the match", "my exam", "monday",
                       "my cat", "this book", "the traffic", "my hair today", "the season finale", "my diet")

COMPLAINT_TEMPLATES = (
    "{h} my {item} {problem}{tail}",
    "{h} {item} {problem}{tail}",
    "{h} hi, my {item} {problem}. can someone help?",
    "{h} been waiting {dur} for my {item}{tail}",
    "{h} been on hold for {dur}{tail}",
    "{h} why is {service} down again?",
    "{h} why does {service} never work?",
    "{h} why has no one replied to my email?",
    "{h} is {service} ever going to work properly?",
    "{h} how is it acceptable that {event}?",
    "{h} still no {item} after {dur}{tail}",
    "{h} {event}{tail}",
    "{h} {event}. {follow}",
    "{h} {service} is down again{tail}",
    "{h} {service} has been broken for {dur}{tail}",
    "{h} {service} not working{tail}",
    "{h} so {event} and {follow2}",
    "{h} third time this month {event}{tail}",
    "{h} worst customer service ever. {event}",
    "{h} worst experience I've had with any company. {event}",
    "{h} I've called {n} times and no one gets back to me{tail}",
    "{h} emailed you {dur} ago about my {item} and heard nothing{tail}",
    "great job {h}, {event} 🙄",
    "thanks for nothing {h}. {event}",
    "love paying for {service} that never works. cheers {h}",
    "{h} can someone please help? {event}",
    "{h} please DM me, {event} and your chat is useless",
    "{h} I need a refund, my {item} {problem}",
    "{h} your {service} won't let me log in{tail}",
    "{h} been a loyal customer for years and this is how you treat me? {event}",
    "{h} really disappointed. {event}",
    "{h} not happy at all. my {item} {problem}",
    "{h} is anyone there? {event}",
    "{h} your staff told me to wait another {dur}. unbelievable",
    "{h} when will you fix {service}? it's been {dur}",
    "{h} when is my {item} actually going to arrive? ordered {dur} ago",
    "{h} you promised a call back {dur} ago. nothing",
    "{h} stop ignoring me. {event}",
    "{event} and {h} doesn't even care",
    "{event}. well done {h}{tail}",
    "{h} {item} {problem}, {service} doesn't work and no one answers the phone",
    "{h} I want to speak to a manager. {event}",
    "{h} shocking. {event}",
    "{h} ugh. {event}",
    "{h} still waiting for a response about my {item}",
    "{h} why do I have to chase you every time my {item} {problem}?",
)
NOT_COMPLAINT_TEMPLATES = (
    "{h} {question}?",
    "{h} hi! {question}?",
    "{h} quick question, {question}?",
    "{h} hey, {question}? thanks!",
    "{h} hello, {question}? cheers",
    "{h} {question}? asking for a friend",
    "{h} thank you for {praise}{happy}",
    "{h} thanks for {praise}{happy}",
    "shoutout to {h} for {praise}{happy}",
    "big thanks to {h} for {praise}{happy}",
    "{h} love {praise}{happy}",
    "{h} absolutely love my new {item}{happy}",
    "{h} you guys are amazing{happy}",
    "{h} best service I've had in years{happy}",
    "{h} all sorted now, thanks for the quick help{happy}",
    "{h} problem solved, thank you so much{happy}",
    "{h} never had a problem with you, keep it up{happy}",
    "{h} no complaints here, {praise} was great",
    "{chatter} with {h}{happy}",
    "{chatter} {h}",
    "{h} {chatter}{happy}",
    "just got my {item} from {h}{happy}",
    "{h} please DM me the details of the offer",
    "{h} can you follow back so I can DM you my order number?",
    "{h} could you send me the link to {question_plain}?",
    "{h} I'd like to update the email on my account, how do I do that?",
    "{h} congrats on the anniversary!",
    "{h} happy birthday! {happy}",
    "{h} entering the giveaway, fingers crossed{happy}",
    "{h} just following up, thanks for sorting my {item} yesterday",
    "{h} any plans to open in Scotland?",
    "{h} do you have any jobs going?",
    "{h} what a great ad campaign{happy}",
    "{h} who designed the new logo? it's great",
    "{h} will you be at the expo next week?",
    "{h} got it, thanks for letting me know",
    "{h} ok thanks, I'll give that a try",
    "{h} thanks, DM sent",
    "{h} haha love this",
    "{h} lol the marketing team is on fire today",
    "{h} this tweet is gold 😂",
)
RANDOM_TEMPLATES = (
    "{user} haha same", "{user} congrats!!", "{user} totally agree", "{user} that's awful, hope you feel better",
    "{user} lol no way", "{user} see you there!", "{user} I know right?", "{user} omg yes",
    "{user} thank you so much ❤️", "{user} miss you too", "{user} happy birthday!! 🎉", "{user} that's hilarious",
    "{user} not sure tbh", "{user} I'm so sorry to hear that", "{user} good luck tomorrow!",
    "{user} what time are we meeting?", "{user} nah I think it was last year", "{user} ugh that sucks",
    "{user} you're the worst 😂", "{user} this is why I love you", "{user} yes please!", "{user} why would you do that lol",
    "{user} I still can't believe it", "{user} never again lol", "{user} same thing happened to me yesterday",
    "{user} so proud of you", "{user} he's been waiting for ages haha", "{user} rip",
    "can't wait for the weekend", "ugh monday again", "my cat knocked over my coffee lol", "so tired today",
    "this rain is ridiculous", "anyone watching the game tonight?", "happy birthday to my best friend!",
    "I hate when my headphones die mid song", "best day ever", "why is it so cold", "new blog post is up {url}",
    "just finished a 10k run", "cooking dinner for the family tonight", "can't stop listening to {topic}",
    "thinking about {topic} way too much", "{topic} is everything", "honestly {topic} ruined my day",
    "who else is obsessed with {topic}?", "I need a holiday", "so bored at work", "still can't believe {topic}",
    "good morning everyone ☀️", "the traffic this morning was awful", "why do I always do this to myself",
    "feeling sick today", "never watching that film again", "worst hair day ever", "missing summer already",
    "my phone battery is always dead lol", "pancakes for breakfast", "new week new goals",
    "this song is stuck in my head", "studying for finals all night", "I can't find my keys again",
    "the neighbours are so loud tonight", "my team lost again smh", "gym then pizza",
)
EVENT_FOLLOW = ("nobody has called me back", "this is the worst service", "I've been waiting {dur}",
                "I want my money back", "no one seems to care", "I'm never booking with you again",
                "what are you going to do about it?", "I need this sorted today", "absolutely fuming",
                "this is so frustrating")


def _fill(rng: random.Random, template: str, ind: Industry) -> str:
    question = rng.choice(ind.questions)
    values = {
        "h": rng.choice(ind.handles),
        "item": rng.choice(ind.items),
        "problem": rng.choice(ind.item_problems),
        "service": rng.choice(ind.service),
        "event": rng.choice(ind.events),
        "question": question,
        "question_plain": question.split(" ", 1)[-1],
        "praise": rng.choice(ind.praise),
        "chatter": rng.choice(ind.chatter),
        "tail": rng.choice(TAILS_ANGRY),
        "happy": rng.choice(TAILS_HAPPY),
        "dur": rng.choice(DURATIONS),
        "n": rng.choice(("3", "4", "five", "six", "10", "twenty")),
        "follow": rng.choice(EVENT_FOLLOW).replace("{dur}", rng.choice(DURATIONS)),
        "follow2": rng.choice(EVENT_FOLLOW).replace("{dur}", rng.choice(DURATIONS)),
        "user": rng.choice(USERS),
        "topic": rng.choice(NAMES_RANDOM_TOPICS),
        "url": "https://t.co/" + "".join(rng.choice("abcdefghkmnpqrstuvwxyz0123456789") for _ in range(10)),
    }
    return template.format(**values)


def _vary(rng: random.Random, text: str) -> str:
    """Casing, apostrophes and trailing whitespace the way people type."""
    roll = rng.random()
    if roll < 0.25:
        text = text.lower()
    elif roll < 0.30:
        text = text.upper()
    elif roll < 0.55 and text[:1].islower():
        text = text[0].upper() + text[1:]
    if rng.random() < 0.2:
        text = text.replace("'", "")
    if rng.random() < 0.1:
        text = text.replace(" you ", " u ").replace(" your ", " ur ")
    return text.strip()


def generate(seed: int = 7, n_complaints: int = 1400, n_brand_other: int = 1100, n_random: int = 700
             ) -> list[tuple[str, int, str]]:
    """(text, label, kind) rows: complaints, other brand mentions, random tweets; deterministic for a seed."""
    rng = random.Random(seed)
    seen: set[str] = set()
    rows: list[tuple[str, int, str]] = []

    def add(templates: tuple[str, ...], label: int, kind: str, wanted: int) -> None:
        tries = 0
        count = 0
        while count < wanted and tries < wanted * 20:
            tries += 1
            ind = rng.choice(INDUSTRIES)
            text = _vary(rng, _fill(rng, rng.choice(templates), ind))
            if text in seen:
                continue
            seen.add(text)
            rows.append((text, label, kind))
            count += 1

    add(COMPLAINT_TEMPLATES, 1, "complaint", n_complaints)
    add(NOT_COMPLAINT_TEMPLATES, 0, "brand", n_brand_other)
    add(RANDOM_TEMPLATES, 0, "random", n_random)
    rng.shuffle(rows)
    return rows


def main() -> None:
    """Write data/seed_examples.csv."""
    rows = generate()
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("text", "label", "kind"))
        writer.writerows(rows)
    print(f"wrote {len(rows)} examples to {OUT}")  # noqa: T201


if __name__ == "__main__":
    main()
