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
    actions: tuple[str, ...] = ("log in", "get through to anyone", "pay online", "use the app")  # can't ...


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
        actions=("check in online", "change my flight", "select a seat", "add my bag to the booking", "get my boarding pass", "claim my miles"),
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
        actions=("make calls", "get online", "top up", "pay my bill online", "port my number", "reach your support team"),
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
        actions=("track my order", "apply my discount code", "return this online", "check out", "reset my password", "find my order"),
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
        actions=("place an order", "use my voucher", "contact the restaurant", "get a refund in the app", "track my driver"),
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
        actions=("log into online banking", "make a transfer", "use my card", "verify my identity", "see my balance"),
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
        actions=("sync my notes", "connect to the server", "save my work", "cancel my subscription", "install the update", "sign in"),
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
        actions=("book a service", "charge my car", "unlock the car with the app", "get a quote", "reach the dealer"),
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
        actions=("pair my headphones", "update the firmware", "register my warranty", "turn it on", "connect to wifi"),
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
        actions=("load the stream", "buy tickets", "watch the launch", "get into my account on the ticket site"),
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
        actions=("book a room", "submit a reading", "buy a ticket", "get a taxi", "report the fault"),
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
    "{h} I can't {action}{tail}",
    "{h} unable to {action}. {follow}",
    "{h} still can't {action}{tail}",
    "{h} why can't I {action}?",
    "{h} why won't it let me {action}?",
    "{h} is {service} down?",
    "{h} is {service} down again??",
    "{h} how long until {service} is back?",
    "{h} how much longer do I have to wait for my {item}?",
    "{h} any update on my {item}? it's been {dur}",
    "{h} when will you fix {service}?",
    "{h} when are you going to sort out {service}?",
    "{h} did {service} stop working?",
    "{h} what is going on with {service}?",
    "{h} what is this? {url}",
    "{h} look at the state of this {url}",
    "{h} my {item} {problem} {url}",
    "my {item} {problem} {h}",
    "{event} {h}{tail}",
    "so {event}. thanks a lot {h}",
    "never using {h} again. {event}",
    "{h} hello? anyone? {event}",
    "{h} please fix {service}, {event}",
    "{h} I have tried to {action} {n} times now",
    "{h} tried to {action} all day and it just errors",
    "{h} error every time I try to {action}",
    "{h} been trying to {action} for {dur}. help",
    "{h} help! I can't {action} and {event}",
    "wow {h}, {event}",
    "{h} no reply to my DM after {dur}",
    "{h} DM'd you {dur} ago, still nothing",
    "{h} thanks for sending the wrong {item}...",
    "thanks {h} for {event_ing} 👍",
    "so {event}. cheers {h}",
    "{event}. what kind of service is this {h}",
    "{h} I'm having the same issue, {event}",
    "{h} same problem here, {service} not working",
    "{h} still waiting to hear back from you about my {item}",
    "{h} please just give me my {item} back",
    "{h} please just refund me",
    "{h} your prices are ridiculous",
    "{h} {item} is way too expensive now",
    "{h} you've put your prices up again and {service} is worse than ever",
    "{brand} won't do anything about my {item}. frustrated! {h}",
    "{brand} refuses to help. {event} {h}",
    "zero interest in customer care from {h}{tail}",
    "{h} clearly don't care about their customers. {event}",
    "{h} you people are a joke. {event}",
    "was happy with {h} until {event}",
    "{h} used to love you but {event}",
    "{h} {service} is awful since the update",
    "{h} hey, {service} is not loading for me{tail}",
    "{h} getting an error message when I try to {action}",
    "{h} I was told someone would call me back. {dur} later nothing",
    "{h} you said {dur}. it's been {dur2}",
    "just spent {dur} on the phone with {h} and nothing is fixed",
    "{h} ridiculous that I have to tweet to get a response",
    "{h} what's the point of a helpline nobody answers",
    "{h} hmm that doesn't seem to work. {service} still broken",
    "{h} that didn't help, I still can't {action}",
    "{h} tried that already. still can't {action}",
    "{h} no one has contacted me yet",
    "{h} how hard is it to {action}??",
    "{h} did {service} stop working?!",
    "{h} where is my {item}??",
    "{h} where is my {item}? {follow}",
    "{h} check your DMs!! asked {n} times now",
    "{h} done all of that already. it was working last week",
    "{h} can you please hurry up, I still can't {action}",
    "{h} can you please speed this up? {event}",
    "my {item} {problem}. what's up {h}? {url}",
    "{item} {problem}?? really? {h} {url}",
    "{h} really?? {url}",
    "{h} uh, this is not what I ordered {url}",
    "{h} this is what turned up 🤦 {url}",
    "bought this last week and it already {problem}. {h}",
    "ordered from {h} and they sent me the wrong thing...",
    "{h} have you cut back {service}? {follow}",
    "*screams* {service} {problem_short} again {h}",
    "no chill {h} {url}",
    "{h} expired food on the shelf?? really?",
    "{h} {service} {problem_short}. {follow}",
    "{service} {problem_short} again. thanks {h}",
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
    "{h} is there a way to {action} from abroad?",
    "{h} how do I {action} on the new app?",
    "{h} can I {action} for a friend?",
    "{h} what's the easiest way to {action}?",
    "{h} {question}? {url}",
    "{chatter} thanks to {h} {url}",
    "reading about the new {item} from {h} {url}",
    "{h} x {h2} collab when?",
    "{h} {h2} who does it better? 😄",
    "{h} just wanted to say {praise} was brilliant",
    "{h} I'm thinking of switching to you, {question}?",
    "{h} planning a trip next month, {question}?",
    "{h} ordered my {item} today, can't wait!",
    "{h} your new ad made me laugh",
    "{user} {h} yes! {praise} is the best",
    "{h} done, thanks for the help earlier",
    "{h} I've sent the details by DM as asked",
    "{h} no worries, thanks for getting back to me",
    "{h} thanks, that worked!",
    "{h} cheers for the update",
    "{h} perfect, see you next week",
    "{h} we love you guys",
    "{h} sure, my order number is in the DM",
    "{h} interested in working with you, who should I contact?",
    "{h} do you sponsor local events?",
    "{h} are you hiring for summer?",
    "{h} can I return my {item} in store?",
    "{h} can I change the delivery address on my {item}?",
    "{h} I need help with my {item}",
    "{h} I need to check my {item}",
    "{h} hi, I need to update my {item}, who do I speak to?",
    "{h} will my {item} arrive before the weekend?",
    "{h} when should I expect my {item}? ordered yesterday",
    "{h} I accidentally ordered two, can I cancel one please?",
    "{h} I forgot to add my voucher, can you apply it to my {item}?",
    "{h} is it possible to {action} without the app?",
    "{h} would you have this in a large? {url}",
    "{h} do you have this in stock? {url}",
    "{h} what's your returns policy for sale items?",
    "{h} where can I find my {item} details?",
    "{h} how do I add someone to my {item}?",
    "{h} can someone tell me if this email is really from you?",
    "{h} is this offer still on? {url}",
    "{h} I'm moving house, how do I transfer my {item}?",
    "{h} my friend recommended you, {question}?",
    "{h} no, this is my first time",
    "{h} yes it's working now, thank you",
    "{h} it's working now, must have been my end",
    "{h} ok, I'll try that and let you know",
    "{h} that's fine, I'll pop into the store",
    "{h} I'll DM you now",
    "{h} received, thanks!",
    "{h} looking forward to {praise}",
    "{h} can you add a dark mode please? would be great",
    "{h} feature request: let us {action} from the website",
    "{h} suggestion: more vegan options please 🙏",
    "every day I check the {h} app for deals lol",
    "off to {h} for the big shop",
    "just booked with {h}, so excited{happy}",
    "{h} tried again today and no problems, thanks!",
    "{h} seems to be working now. I'll message you if anything else comes up",
    "{h} all good now, no issues since yesterday",
    "{h} any idea when the next update is coming to my {item}?",
    "{h} I'd like to know the status of my {item} please, reference in DM",
    "{h} can your {item} handle {capability}?",
    "{h} which {item} would you recommend for {capability}?",
    "{h} I bought the wrong size by mistake, can I swap it?",
    "{h} I accidentally booked the wrong date, can I change it?",
    "{h} is the {item} compatible with {capability}?",
)
HANDLE_SUFFIXES = ("Support", "_Support", "Help", "_Help", "Care", "Cares", "UK", "_US", "HQ", "Official", "Service",
                   "_CS", "Team")
SUBJECTS = ("my sister", "this city", "the government", "the referee", "my boss", "the traffic on the bridge",
            "my dog", "the weather", "this election", "the new album", "coffee", "my team", "the season finale",
            "my landlord", "online dating", "this heatwave", "my little brother", "the new series", "pineapple on pizza",
            "my neighbour's dog", "that film", "the economy", "the debate last night", "my flatmate", "this song",
            "homework", "the playoffs", "the coach", "twitter today", "the news")
BAD_PREDICATES = ("is driving me crazy", "is a disaster", "ruined my whole week", "makes no sense", "is so overrated",
                  "needs to stop", "is the worst", "will be the death of me", "is a joke", "is getting out of hand",
                  "made me so angry", "is exhausting", "is absolutely awful", "keeps me up at night",
                  "is so annoying", "let me down again")
GOOD_PREDICATES = ("is unreal", "made my day", "is finally here", "never disappoints", "is everything right now",
                   "is so underrated", "is the best thing ever", "has me in tears laughing", "is beautiful",
                   "deserves more love")
REPLIES = ("haha same", "congrats!!", "totally agree", "that's awful, hope you feel better", "lol no way",
           "see you there!", "I know right?", "omg yes", "thank you so much", "miss you too", "that's hilarious",
           "not sure tbh", "I'm so sorry to hear that", "good luck tomorrow!", "what time are we meeting?",
           "ugh that sucks", "you're wrong about that", "he never listens lol", "worst referee ever",
           "that's so annoying", "it was cancelled last year anyway", "why would anyone do that",
           "still waiting for you to text back 😂", "can't believe you missed it", "nope, never again",
           "this is so true", "welcome to the club", "lmao stop", "exactly what I said", "fair point",
           "sending love", "so jealous", "I'll bring snacks", "where was this?", "who even says that")
ORGS = ("City council", "Local school", "Scientists", "The museum", "Researchers", "The mayor", "Club",
        "Police", "Festival organisers", "The league")
NEWS = ("announce new plans for the park", "warn of storms this weekend", "open a new exhibition",
        "confirm the summer line-up", "release new figures on housing", "ask residents to save water",
        "sign a new striker", "discover a new species of frog", "vote on the budget tonight",
        "launch a reading campaign")
LIFE = ("burnt the toast again", "forgot my umbrella and got soaked", "spent all day cleaning",
        "finally finished my thesis", "my kid drew on the walls", "locked myself out", "slept through my alarm",
        "the dog ate my sandwich", "stayed up way too late", "got a new tattoo", "ran my first half marathon",
        "missed the bus by seconds", "spilled coffee on my laptop", "passed my driving test")
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
    "{subject} {bad}", "{subject} {bad} {url}", "honestly {subject} {bad}", "{subject} {good}",
    "{subject} {good} {url}", "why is it that {subject} {bad}?", "is it just me or {subject} {bad}?",
    "{user} {subject} {bad}", "{user} {subject} {good}", "{user} {reply}", "{user} {user2} {reply}",
    "{user} {reply} {url}", "{org} {news} {url}", "BREAKING: {org} {news} {url}", "{org} {news}",
    "watch: {org} {news} {url}", "{life} 🙃", "{life}. today is not my day", "{life} lol", "{life}!!",
    "{life} and it's only monday", "guess who {life}", "so I {life}", "{user} I {life} haha",
    "new video is up! {url}", "check out my new post {url}", "just posted a photo {url}",
    "who's coming to the gig tonight?", "what should I cook tonight?", "does anyone know a good dentist?",
    "how do people wake up at 5am?", "when does the new season start?", "rain all week again 🌧️",
    "{user} is it part of your course? if not, skip it", "{user} did you ever find out what happened?",
    "{user} how many times do I have to tell you lol", "{user} and they wonder why nobody trusts them",
    "{user} {user2} this is exactly the problem with {subject}", "{user} can't speak for everyone but I loved it",
    "{user} bet he knew all along", "{user} what is this song? need it", "{user} rip, what a legend",
    "{user} that doesn't help when it's freezing out", "{user} I really didn't want to say it but yeah",
    "{user} the problem is {subject}", "{user} you'd know all about that", "{user} how is that even legal",
    "{user} why is nobody talking about this?", "{user} this is a disaster for {subject}",
    "{user} fixed it, turns out it was the cable", "{user} same, mine broke after a week too lol",
    "{user} dim your lights, people", "{user} the refs were terrible tonight", "{user} where did you get that?",
    "politicians never listen to anyone", "{subject} is a scandal and nobody cares",
    "the state of {subject} right now 😩", "can't believe how bad {subject} has got",
    "my dad always says he knows a shortcut and we always end up late",
    "made dinner for everyone and nobody showed up", "people who don't indicate drive me mad",
)
PROBLEM_SHORT = ("is down", "crashed", "keeps freezing", "stopped working", "is broken", "won't load", "is so slow",
                 "logged me out", "failed", "is glitching")
CAPABILITIES = ("a family of five", "older phones", "rough weather", "long trips", "two users", "gaming",
                "travel abroad", "kids", "heavy use")
EVENT_ING = ("losing my bag", "cancelling my order", "the cold food", "charging me twice", "ignoring my emails",
             "the three hour wait", "breaking my phone", "cutting off my internet", "delaying my flight again",
             "sending the wrong size", "the amazing customer service... not")
EVENT_FOLLOW = ("nobody has called me back", "this is the worst service", "I've been waiting {dur}",
                "I want my money back", "no one seems to care", "I'm never booking with you again",
                "what are you going to do about it?", "I need this sorted today", "absolutely fuming",
                "this is so frustrating")


def _fill(rng: random.Random, template: str, ind: Industry) -> str:
    question = rng.choice(ind.questions)
    handle = rng.choice(ind.handles)
    if rng.random() < 0.4:
        handle = handle.removesuffix("Help").removesuffix("HQ") + rng.choice(HANDLE_SUFFIXES)
    values = {
        "h": handle,
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
        "problem_short": rng.choice(PROBLEM_SHORT),
        "capability": rng.choice(CAPABILITIES),
        "event_ing": rng.choice(EVENT_ING),
        "brand": rng.choice(ind.handles).lstrip("@"),
        "dur2": rng.choice(DURATIONS),
        "follow": rng.choice(EVENT_FOLLOW).replace("{dur}", rng.choice(DURATIONS)),
        "follow2": rng.choice(EVENT_FOLLOW).replace("{dur}", rng.choice(DURATIONS)),
        "action": rng.choice(ind.actions),
        "h2": rng.choice(rng.choice(INDUSTRIES).handles),
        "user": rng.choice(USERS),
        "user2": rng.choice(USERS),
        "subject": rng.choice(SUBJECTS),
        "bad": rng.choice(BAD_PREDICATES),
        "good": rng.choice(GOOD_PREDICATES),
        "reply": rng.choice(REPLIES),
        "org": rng.choice(ORGS),
        "news": rng.choice(NEWS),
        "life": rng.choice(LIFE),
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


def generate(seed: int = 7, n_complaints: int = 2800, n_brand_other: int = 2200, n_random: int = 2000
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
