// kefu's built-in English emotion lexicon, in the text format of
// ParseEmotionLexicon (term<TAB>kind<TAB>weight). Written for kefu and
// released with it under the project's license.
#include "nlu/emotion_lexicons.h"

namespace kefu::nlu {

std::string_view BuiltinEmotionLexiconEn() {
  static constexpr std::string_view kLexicon =
      R"lexicon(# kefu's English emotion lexicon: term, kind, weight (see emotion.h).
# Written for kefu: how customers complain, worry, are let down and thank,
# plus everyday emotion words. Terms are matched word by word, lower case.
# ---- modifiers ----
not	negator
no	negator
never	negator
don't	negator
dont	negator
doesn't	negator
doesnt	negator
didn't	negator
didnt	negator
isn't	negator
isnt	negator
wasn't	negator
wasnt	negator
aren't	negator
weren't	negator
can't	negator
cant	negator
cannot	negator
couldn't	negator
won't	negator
wouldn't	negator
shouldn't	negator
haven't	negator
hasn't	negator
hadn't	negator
ain't	negator
nor	negator
hardly	negator
very	degree	1.5
so	degree	1.4
really	degree	1.4
extremely	degree	1.9
super	degree	1.6
totally	degree	1.5
absolutely	degree	1.7
completely	degree	1.6
incredibly	degree	1.8
insanely	degree	1.8
seriously	degree	1.4
truly	degree	1.4
too	degree	1.3
most	degree	1.4
such	degree	1.3
utterly	degree	1.8
highly	degree	1.5
deeply	degree	1.6
fucking	degree	1.5
freaking	degree	1.4
damn	degree	1.3
pretty	degree	1.1
quite	degree	1.1
more	degree	1.1
even	degree	1.1
a bit	degree	0.6
a little	degree	0.6
slightly	degree	0.5
somewhat	degree	0.6
kind of	degree	0.6
kinda	degree	0.6
sort of	degree	0.6
barely	degree	0.5
# ---- anger: complaints, insults, escalation ----
angry	anger	1.3
angrier	anger	1.4
anger	anger	1.2
mad	anger	1.0
furious	anger	1.7
livid	anger	1.7
pissed	anger	1.5
pissed off	anger	1.7
annoyed	anger	1.2
annoying	anger	1.2
annoys	anger	1.1
annoyance	anger	1.1
irritated	anger	1.2
irritating	anger	1.2
frustrated	anger	1.2
frustrating	anger	1.3
frustration	anger	1.2
outraged	anger	1.6
outrageous	anger	1.5
infuriating	anger	1.7
infuriated	anger	1.7
rage	anger	1.5
ridiculous	anger	1.3
absurd	anger	1.0
unacceptable	anger	1.6
disgusting	anger	1.5
disgusted	anger	1.5
disgust	anger	1.3
gross	anger	1.0
hate	anger	1.3
hated	anger	1.2
hates	anger	1.2
hating	anger	1.2
terrible	anger	1.1
horrible	anger	1.2
awful	anger	1.1
worst	anger	1.4
sucks	anger	1.2
suck	anger	1.1
crap	anger	1.1
crappy	anger	1.2
shit	anger	1.0
shitty	anger	1.3
bullshit	anger	1.5
fuck	anger	1.4
fucked	anger	1.3
wtf	anger	1.4
damn it	anger	1.2
dammit	anger	1.2
goddamn	anger	1.3
stupid	anger	1.2
idiot	anger	1.4
idiots	anger	1.4
idiotic	anger	1.4
moron	anger	1.4
morons	anger	1.4
dumb	anger	1.0
dumbass	anger	1.4
useless	anger	1.3
incompetent	anger	1.5
pathetic	anger	1.3
scam	anger	1.6
scammed	anger	1.6
scammers	anger	1.6
fraud	anger	1.5
ripoff	anger	1.4
rip off	anger	1.4
ripped off	anger	1.5
liar	anger	1.4
liars	anger	1.4
lying	anger	1.1
lied	anger	1.1
cheated	anger	1.3
rude	anger	1.3
disrespectful	anger	1.3
offended	anger	1.1
offensive	anger	1.1
insulting	anger	1.2
insult	anger	1.0
nonsense	anger	1.0
bs	anger	1.1
trash	anger	1.2
garbage	anger	1.2
unprofessional	anger	1.4
hostile	anger	1.1
how dare	anger	1.5
what the hell	anger	1.3
the hell	anger	0.8
hell	anger	0.4
shut up	anger	1.3
screw	anger	0.9
screwed	anger	1.0
ugh	anger	1.0
smh	anger	1.0
are you kidding	anger	1.2
are you serious	anger	1.0
sick of	anger	1.4
fed up	anger	1.5
had enough	anger	1.4
never again	anger	1.3
enough	anger	0.3
wrong	anger	0.4
blame	anger	0.7
fault	anger	0.5
disagree	anger	1.0
against	anger	0.3
bad	anger	0.5
bad	sadness	0.3
worse	anger	0.7
poorly	anger	0.7
hypocrite	anger	1.3
hypocritical	anger	1.3
jerk	anger	1.2
asshole	anger	1.5
bitch	anger	1.3
bastard	anger	1.4
selfish	anger	1.0
toxic	anger	1.1
evil	anger	1.0
cruel	anger	1.1
yelling	anger	1.0
yell	anger	0.9
argh	anger	1.0
grr	anger	1.0
waste of time	anger	1.3
waste of money	anger	1.4
no one answers	anger	1.3
nobody answers	anger	1.3
nobody helps	anger	1.3
keep getting	anger	0.6
again and again	anger	0.8
for the third time	anger	1.0
want my money back	anger	1.4
give me my money back	anger	1.6
refund	anger	0.4
overcharged	anger	1.3
charged twice	anger	1.2
double charged	anger	1.2
hidden fees	anger	1.2
false advertising	anger	1.5
broken	anger	0.6
defective	anger	0.9
damaged	anger	0.7
doesn't work	anger	0.8
not working	anger	0.7
don't like	anger	0.9
don't like	sadness	0.5
dont like	anger	0.9
dont like	sadness	0.5
didn't like	anger	0.9
didn't like	sadness	0.5
do not like	anger	0.9
do not like	sadness	0.5
did not like	anger	0.9
did not like	sadness	0.5
nasty	anger	1.2
fuckin	anger	1.2
dirty	anger	0.6
fool	anger	1.1
foolish	anger	1.0
refuse	anger	0.6
boring	anger	0.5
boring	sadness	0.4
false	anger	0.5
ugly	anger	1.0
ruined	anger	1.0
ruined	sadness	0.6
ruin	anger	0.8
bloody	anger	0.7
racism	anger	1.0
racist	anger	1.2
sexist	anger	1.2
piss	anger	1.1
destroy	anger	0.6
dislike	anger	1.0
argue	anger	0.6
nope	anger	0.6
shameful	anger	1.2
disgrace	anger	1.3
unbelievable	anger	0.7
pointless	anger	0.9
clueless	anger	1.0
lazy	anger	0.9
greedy	anger	1.1
bully	anger	1.1
cringe	anger	1.0
wrong with you	anger	1.4
irrelevant	anger	0.6
hatred	anger	1.3
filthy	anger	1.1
vile	anger	1.3
abused	anger	0.9
abused	sadness	0.6
hideous	anger	1.0
inappropriate	anger	1.0
not true	anger	0.7
not good	anger	0.6
not good	sadness	0.4
no good	anger	0.6
not worth	anger	0.8
makes no sense	anger	1.0
stop being	anger	0.9
please stop	anger	0.8
just stop	anger	0.9
unpopular opinion	anger	0.7
fuck off	anger	1.7
fuck you	anger	1.8
kill you	anger	1.2
# escalation
complaint	anger	1.8
complain	anger	1.4
complaining	anger	1.2
file a complaint	anger	2.2
formal complaint	anger	2.2
chargeback	anger	2.2
dispute	anger	1.4
lawyer	anger	1.9
lawyers	anger	1.9
attorney	anger	1.9
sue	anger	1.9
suing	anger	1.9
lawsuit	anger	2.0
legal action	anger	2.1
report you	anger	2.1
reporting you	anger	2.1
bbb	anger	1.9
better business bureau	anger	2.1
consumer protection	anger	1.9
your manager	anger	1.0
your supervisor	anger	1.0
speak to a manager	anger	1.5
cancel my account	anger	0.9
one star	anger	1.3
1 star	anger	1.3
bad review	anger	1.5
go public	anger	1.4
😡	anger	1.5
😠	anger	1.4
🤬	anger	1.7
👎	anger	0.9
😤	anger	1.1
🙄	anger	0.8
😒	anger	0.7
# ---- anxiety: urgency and worry ----
worried	anxiety	1.3
worry	anxiety	1.1
worrying	anxiety	1.2
worries	anxiety	1.0
anxious	anxiety	1.4
anxiety	anxiety	1.3
nervous	anxiety	1.3
scared	anxiety	1.4
scary	anxiety	1.3
afraid	anxiety	1.2
fear	anxiety	1.2
fears	anxiety	1.1
terrified	anxiety	1.7
terrifying	anxiety	1.6
frightened	anxiety	1.4
frightening	anxiety	1.4
panic	anxiety	1.4
panicking	anxiety	1.5
panicked	anxiety	1.5
concerned	anxiety	1.0
concern	anxiety	0.7
concerning	anxiety	0.9
urgent	anxiety	1.4
urgently	anxiety	1.4
asap	anxiety	1.2
emergency	anxiety	1.4
immediately	anxiety	0.8
right now	anxiety	0.6
right away	anxiety	0.8
hurry	anxiety	1.0
as soon as possible	anxiety	1.1
still waiting	anxiety	1.2
still not	anxiety	0.8
still haven't	anxiety	1.0
still hasn't	anxiety	1.0
hasn't arrived	anxiety	1.1
not arrived	anxiety	1.0
never arrived	anxiety	1.2
never received	anxiety	1.2
where is my	anxiety	1.0
waiting	anxiety	0.5
deadline	anxiety	0.8
please help	anxiety	1.0
help me	anxiety	0.8
stuck	anxiety	0.8
stolen	anxiety	1.2
hacked	anxiety	1.3
locked out	anxiety	1.1
unsafe	anxiety	1.1
risk	anxiety	0.6
creepy	anxiety	1.0
dread	anxiety	1.3
dreading	anxiety	1.3
stress	anxiety	1.1
stressed	anxiety	1.2
stressful	anxiety	1.2
freaking out	anxiety	1.6
freaked out	anxiety	1.5
what if	anxiety	0.7
tense	anxiety	0.9
uneasy	anxiety	1.1
desperate	anxiety	1.3
paranoid	anxiety	1.2
horror	anxiety	1.1
horrifying	anxiety	1.4
horrified	anxiety	1.4
threat	anxiety	0.9
threatening	anxiety	1.0
dangerous	anxiety	1.0
danger	anxiety	1.0
yikes	anxiety	0.9
oh no	anxiety	1.0
need it by	anxiety	1.0
running out of time	anxiety	1.3
insecure	anxiety	1.0
phobia	anxiety	1.2
shaking	anxiety	1.0
nightmare	anxiety	1.2
unsure	anxiety	0.5
hope nothing	anxiety	0.9
scares	anxiety	1.2
horrific	anxiety	1.2
😰	anxiety	1.4
😨	anxiety	1.4
😱	anxiety	1.5
😟	anxiety	1.1
😬	anxiety	0.8
# ---- sadness: disappointment and hurt ----
sad	sadness	1.4
sadly	sadness	1.1
sadness	sadness	1.3
unhappy	sadness	1.2
disappointed	sadness	1.5
disappointing	sadness	1.4
disappointment	sadness	1.4
let down	sadness	1.2
letdown	sadness	1.2
upset	sadness	1.0
upset	anger	0.6
depressed	sadness	1.4
depressing	sadness	1.3
depression	sadness	1.2
heartbroken	sadness	1.7
heartbreaking	sadness	1.6
miss	sadness	0.6
missed	sadness	0.5
miss you	sadness	0.9
lonely	sadness	1.2
cry	sadness	1.1
crying	sadness	1.2
cried	sadness	1.1
tears	sadness	0.9
sorry	sadness	0.8
so sorry	sadness	1.1
sorry for your loss	sadness	1.6
regret	sadness	1.1
regrets	sadness	1.0
unfortunately	sadness	0.9
unfortunate	sadness	1.0
pity	sadness	0.8
shame	sadness	0.9
too bad	sadness	0.9
hurt	sadness	1.0
hurts	sadness	1.1
pain	sadness	0.9
painful	sadness	1.1
grief	sadness	1.4
grieving	sadness	1.4
rip	sadness	1.2
died	sadness	1.1
dead	sadness	0.5
death	sadness	0.8
passed away	sadness	1.4
embarrassed	sadness	1.2
embarrassing	sadness	1.2
ashamed	sadness	1.2
awkward	sadness	0.7
miserable	sadness	1.4
hopeless	sadness	1.4
sigh	sadness	0.9
feel bad	sadness	1.1
feel sorry	sadness	1.0
tragic	sadness	1.3
tragedy	sadness	1.2
devastated	sadness	1.7
devastating	sadness	1.6
broke my heart	sadness	1.6
alone	sadness	0.7
give up	sadness	0.8
gave up	sadness	0.8
tired	sadness	0.6
exhausted	sadness	0.8
lost	sadness	0.5
losing	sadness	0.5
guilty	sadness	1.0
guilt	sadness	1.0
my bad	sadness	0.6
oops	sadness	0.5
poor	sadness	0.6
sucks that	sadness	1.0
expected better	sadness	1.4
wasted	sadness	0.8
apologies	sadness	1.0
apologize	sadness	0.9
apologise	sadness	0.9
loss	sadness	0.9
destroyed	sadness	0.8
destroyed	anger	0.5
lonely	sadness	1.2
grieve	sadness	1.3
mourn	sadness	1.3
homesick	sadness	1.2
gutted	sadness	1.4
bummed	sadness	1.2
bummer	sadness	1.1
upsetting	sadness	1.2
condolences	sadness	1.4
saddest	sadness	1.4
bad news	sadness	1.0
hurting	sadness	1.1
:(	sadness	1.2
:'(	sadness	1.4
😢	sadness	1.4
😭	sadness	1.5
😞	sadness	1.2
😔	sadness	1.1
☹	sadness	1.2
🙁	sadness	1.1
💔	sadness	1.4
# ---- joy: satisfaction and thanks ----
thanks	joy	1.3
thank	joy	1.3
thank you	joy	1.4
thankyou	joy	1.4
thx	joy	1.1
ty	joy	0.8
appreciate	joy	1.3
appreciated	joy	1.3
grateful	joy	1.4
gratitude	joy	1.3
great	joy	1.1
good	joy	0.7
nice	joy	1.0
awesome	joy	1.3
amazing	joy	1.3
excellent	joy	1.3
perfect	joy	1.2
wonderful	joy	1.3
fantastic	joy	1.3
love	joy	1.2
loved	joy	1.1
loves	joy	1.1
loving	joy	1.0
lovely	joy	1.2
like	joy	0.4
liked	joy	0.6
happy	joy	1.3
happier	joy	1.2
happiness	joy	1.2
glad	joy	1.2
pleased	joy	1.2
satisfied	joy	1.1
delighted	joy	1.3
excited	joy	1.2
exciting	joy	1.1
fun	joy	1.0
funny	joy	1.0
lol	joy	1.0
lmao	joy	1.1
haha	joy	1.0
hahaha	joy	1.1
beautiful	joy	1.1
cute	joy	1.0
cool	joy	0.9
best	joy	1.1
better	joy	0.4
helpful	joy	1.1
solved	joy	0.9
resolved	joy	0.8
works now	joy	1.0
fixed	joy	0.6
congrats	joy	1.4
congratulations	joy	1.4
welcome	joy	0.7
enjoy	joy	1.0
enjoyed	joy	1.1
enjoying	joy	1.0
proud	joy	1.1
brilliant	joy	1.2
hope	joy	0.6
hopefully	joy	0.6
hoping	joy	0.5
agree	joy	0.7
agreed	joy	0.7
yes	joy	0.3
yay	joy	1.3
wow	joy	0.7
interesting	joy	0.5
impressed	joy	1.1
impressive	joy	1.1
sweet	joy	0.9
kind	joy	0.6
well done	joy	1.3
bravo	joy	1.2
good job	joy	1.3
great job	joy	1.4
respect	joy	0.7
legend	joy	1.0
hilarious	joy	1.2
adorable	joy	1.2
blessed	joy	1.2
relief	joy	1.0
relieved	joy	1.2
phew	joy	0.8
optimistic	joy	1.0
wish	joy	0.5
care	joy	0.5
support	joy	0.4
right	joy	0.2
true	joy	0.3
correct	joy	0.3
exactly	joy	0.5
fair	joy	0.4
glad to hear	joy	1.4
you rock	joy	1.4
smooth	joy	0.7
fast	joy	0.3
quick	joy	0.3
easy	joy	0.3
recommend	joy	0.4
favorite	joy	1.0
favourite	joy	1.0
gorgeous	joy	1.2
pleasure	joy	1.1
cheers	joy	0.9
friendly	joy	0.9
patient	joy	0.7
fantastically	joy	1.2
incredible	joy	1.2
superb	joy	1.3
outstanding	joy	1.3
win	joy	0.7
won	joy	0.6
winning	joy	0.7
lucky	joy	1.0
haha	joy	1.0
hehe	joy	0.9
:)	joy	1.1
:-)	joy	1.1
:d	joy	1.2
;)	joy	0.9
<3	joy	1.2
😀	joy	1.2
😃	joy	1.2
😄	joy	1.2
😁	joy	1.2
😂	joy	1.1
🤣	joy	1.1
😊	joy	1.3
🙂	joy	0.8
😍	joy	1.4
🥰	joy	1.4
😘	joy	1.2
❤	joy	1.2
♥	joy	1.1
💕	joy	1.2
👍	joy	1.0
🙏	joy	1.0
👏	joy	1.1
🎉	joy	1.2
# ---- terms that are no emotion, listed so their parts do not match ----
no problem	neutral
good morning	neutral
good afternoon	neutral
good evening	neutral
good night	neutral
no worries	neutral
no thanks	neutral
not sure	neutral
like this	neutral
like that	neutral
looks like	neutral
seems like	neutral
feel like	neutral
would like	neutral
i'd like	neutral
kind of	degree	0.6
)lexicon";
  return kLexicon;
}

}  // namespace kefu::nlu
