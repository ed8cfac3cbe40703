"""Seed text of the "Territories are people" campaign page, in English and Ukrainian.

The English is the campaign's published page, verbatim (including its deliberate lowercase "russia",
"russian" and "rf"); the Ukrainian is our translation. This is only the initial content: once loaded,
the page is edited by staff in the dashboard, and the database copy is the one that counts.
"""

HASHTAG = "#territoriesarepeople"
RIGHTS_EMAIL = "info@helpingtoleave.org"
PARTNERS_EMAIL = "partners@helpingtoleave.org"
PRESS_EMAIL = "pr@helpingtoleave.org"

PAGE = {
    "headline": {"en": "Territories are people", "uk": "Території — це люди"},
    "lead": {
        "en": (
            "We stand with the people of Ukraine who are living under occupation. We support their freedom, and their "
            "right to defend this freedom from russian oppression."
        ),
        "uk": (
            "Ми поруч із людьми України, які живуть в окупації. Ми підтримуємо їхню свободу та їхнє право боронити цю "
            "свободу від російського гноблення."
        ),
    },
    "merch_intro": {
        "en": "All proceeds go towards aiding Ukrainians affected by the actions of rf.",
        "uk": "Усі виручені кошти йдуть на допомогу українцям, які постраждали від дій рф.",
    },
    "background": {
        "en": (
            "In 2014, russia invaded Ukraine and annexed part of a sovereign state. Then, on February 24, 2022, russia "
            "began its full-scale invasion and Ukraine knew peace no more."
            "\n\n"
            "Every so often members of the international community suggest that it’s Ukraine’s duty to surrender part "
            "of its territory to russia. “To avoid further death and suffering”, the rhetoric goes."
        ),
        "uk": (
            "У 2014 році росія вторглася в Україну й анексувала частину суверенної держави. А 24 лютого 2022 року "
            "росія розпочала повномасштабне вторгнення — і відтоді Україна не знає миру."
            "\n\n"
            "Час від часу представники міжнародної спільноти висловлюють думку, що Україна нібито зобовʼязана "
            "поступитися росії частиною своєї території. «Щоб уникнути нових смертей і страждань», — так звучить ця "
            "риторика."
        ),
    },
    "organisers_message": {
        "en": (
            "Every day, people write to us imploring: “Please, evacuate us”. “I have several days left to live.”. “We "
            "haven’t eaten in days”. “They came and took my father. They showed him how to “behave himself”, he is in "
            "critical condition”. “My child was killed before my eyes”."
        ),
        "uk": (
            "Щодня люди пишуть нам, благаючи: «Будь ласка, евакуюйте нас». «Мені лишилося жити кілька днів». «Ми вже "
            "кілька днів нічого не їли». «Вони прийшли й забрали мого батька. Показали йому, як „треба поводитися“, — "
            "тепер він у критичному стані». «Мою дитину вбили в мене на очах»."
        ),
    },
    "statement": {
        "en": (
            "Ukraine isn’t just territory Ukraine is its people."
            "\n\n"
            "Those who call for Ukraine to give its land to russia are unwittingly saying: “Let Ukrainians die”. "
            "Giving this territory to russia is a death sentence for the people living there. Bucha, Irpin, Izyum, "
            "Kupiansk, Balakliia, Lyman and other freed localities are living proof of this. In the occupied parts of "
            "the Donetsk and Luhansk regions and in the annexed Crimea, russia has been kidnapping, torturing and "
            "killing people for years. That’s what the so-called “russian peace” actually means."
        ),
        "uk": (
            "Україна — це не просто територія. Україна — це її люди."
            "\n\n"
            "Ті, хто закликає Україну віддати свої землі росії, мимоволі кажуть: «Нехай українці помирають». Віддати "
            "цю територію росії — це підписати смертний вирок людям, які там живуть. Буча, Ірпінь, Ізюм, Купʼянськ, "
            "Балаклія, Лиман та інші звільнені населені пункти — живий тому доказ. На окупованих частинах Донецької та "
            "Луганської областей і в анексованому Криму росія роками викрадає, катує та вбиває людей. Ось що насправді "
            "означає так званий «російський мир»."
        ),
    },
    "call_to_act": {
        "en": "Speak up! We cannot let people fall into the hands of those who wish for their destruction.",
        "uk": "Не мовчіть! Ми не можемо дозволити, щоб люди опинилися в руках тих, хто прагне їх знищити.",
    },
    "rights_intro": {
        "en": "Here are just a few of the many fundamental rights that are being violated by russian occupiers",
        "uk": "Ось лише деякі з багатьох основоположних прав, які порушують російські окупанти",
    },
}

# One entry per bullet of the published page, in order. The titles are ours: the page has none.
RIGHTS_SECTIONS = [
    {
        "title": {"en": "Lists, kidnappings and reprisals", "uk": "Списки, викрадення й розправи"},
        "body": {
            "en": (
                "From the earliest days of the occupation, russia’s armed forces have been deliberately profiling "
                "civic-minded people and their families. In Kherson, Mariupol, Izyum and other cities, the russian "
                "military formed lists with the names and faces of activists, as well as anyone else who expressed "
                "support for the Ukrainian government in any way. Even civilian volunteers and animal activists were "
                "targeted. They were kidnapped and tortured, some were killed. In occupation, showing any kind of "
                "support for Ukrainian authorities can lead to reprisals and abuse."
            ),
            "uk": (
                "Від перших днів окупації збройні сили росії цілеспрямовано вистежують людей з активною громадянською "
                "позицією та їхні родини. У Херсоні, Маріуполі, Ізюмі та інших містах російські військові складали "
                "списки з іменами та фотографіями активістів, а також усіх, хто бодай якось висловлював підтримку "
                "українській владі. Під удар потрапляли навіть цивільні волонтери та зоозахисники. Їх викрадали й "
                "катували, декого вбили. В окупації будь-який вияв підтримки української влади може обернутися "
                "репресіями та знущаннями."
            ),
        },
    },
    {
        "title": {"en": "No courts, only “the cellars”", "uk": "Жодних судів — лише «підвали»"},
        "body": {
            "en": (
                "Occupied territories have no judicial system. Anyone accused of anything is sent to “the cellars”, "
                "the basements of industrial buildings (i.e. factories or printing houses). The conditions there are "
                "appalling. Prisoners are beaten, tortured and sexually assaulted. We know for a fact that severe "
                "beatings, torture with hunger and tasers, and hanging by the hands takes place in these facilities. "
                "Arrest can be precipitated by almost anything. It is known that individuals with military experience "
                "in Afghanistan refused to collaborate with occupiers and were publicly executed. We are also aware of "
                "cases of torture and execution of people who had even distant ties to Ukrainian government. Being the "
                "head of a village, or a sister, wife or loved one of the ATO ( the Anti-Terrorist Operation, "
                "Ukraine's resistance forces in Eastern Ukraine that appeared as a response to russia’s invasion of "
                "Ukraine in 2014) is enough. We’ve received hundreds of messages testifying to incidences of torture "
                "and kidnappings. There is no due process, the victims of these assaults are not officially charged "
                "with any crimes. People are taken from their homes and from public places. The prisoners’ locations "
                "are not disclosed to their families, nothing can be sent to the prisoners, the accusations are not "
                "disclosed and neither are the “sentences”, because none are awarded. Some prisoners are forcibly "
                "transported out of occupation to russia, where it is almost impossible to find them."
            ),
            "uk": (
                "На окупованих територіях немає судової системи. Будь-кого, кого в чомусь звинувачують, кидають «на "
                "підвал» — так називають підвальні приміщення промислових будівель (наприклад, заводів чи друкарень). "
                "Умови там жахливі. Вʼязнів бʼють, катують, піддають сексуальному насильству. Ми достеменно знаємо, що "
                "в цих місцях жорстоко бʼють, катують голодом і електрошокерами, підвішують за руки. Приводом для "
                "арешту може стати майже що завгодно. Відомо, що людей, які мали досвід війни в Афганістані й "
                "відмовилися співпрацювати з окупантами, публічно стратили. Нам також відомі випадки катувань і страт "
                "людей, які мали навіть віддалений стосунок до української влади. Досить бути сільським головою — або "
                "сестрою, дружиною чи близькою людиною учасника АТО (антитерористичної операції — спротиву українських "
                "сил на сході України, що розгорнувся у відповідь на вторгнення росії в Україну 2014 року). Ми "
                "отримали сотні повідомлень зі свідченнями про катування та викрадення. Жодної належної правової "
                "процедури немає: жертвам цих розправ офіційно не висувають жодних звинувачень. Людей забирають із "
                "домівок і з громадських місць. Де утримують вʼязнів, родинам не повідомляють, передати їм нічого не "
                "можна, звинувачень не оголошують, як і «вироків», — бо їх просто не виносять. Частину вʼязнів "
                "примусово вивозять з окупації до росії, де знайти їх майже неможливо."
            ),
        },
    },
    {
        "title": {"en": "Aid and medicine blocked", "uk": "Блокування допомоги та ліків"},
        "body": {
            "en": (
                "Import of humanitarian aid and medication from Ukraine-controlled territories into occupied "
                "territories is often blocked. Humanitarian aid sometimes comes from the russian side, but in "
                "inadequate amounts. Furthermore, it can only be received on camera and in exchange for one’s ID "
                "number. The produce is typically low-quality, grains and vegetables that have begun to rot. In some "
                "cases the aid, instead of being handed out, is sold in stores for profit. As for medical care, the "
                "state of affairs in occupation is also deplorable. Certain drugs, such as insulin (for diabetics) and "
                "thyroxine (for people with thyroid conditions) are in constant deficit. Hospitals are overcrowded, "
                "preference is given to wounded russian soldiers. For cancer patients, treatment is essentially "
                "impossible. Our evacuation spreadsheets have columns titled “evacuated”, “in progress”, “waiting” and "
                "“dead”. Among the people writing to us, many had lost loved ones in occupation. Because, for example, "
                "they had not been able to get insulin, and died."
            ),
            "uk": (
                "Ввезення гуманітарної допомоги та ліків із підконтрольних Україні територій на окуповані часто "
                "блокують. Гуманітарна допомога іноді надходить із російського боку, але її недостатньо. До того ж "
                "отримати її можна лише на камеру та в обмін на свій ідентифікаційний номер. Продукти здебільшого "
                "неякісні — крупи та овочі, що вже почали гнити. Подекуди допомогу не роздають, а продають у магазинах "
                "заради наживи. З медичною допомогою в окупації ситуація так само жахлива. Деяких ліків, як-от "
                "інсуліну (для людей із діабетом) і тироксину (для людей із захворюваннями щитоподібної залози), "
                "постійно бракує. Лікарні переповнені, перевагу віддають пораненим російським військовим. Онкохворі "
                "фактично не мають змоги лікуватися. У наших таблицях евакуації є стовпці «евакуйовано», «у процесі», "
                "«очікують» і «померли». Багато з тих, хто нам пише, втратили в окупації близьких. Бо, наприклад, ті "
                "не змогли дістати інсулін — і померли."
            ),
        },
    },
    {
        "title": {"en": "Cut off from loved ones", "uk": "Відрізані від рідних"},
        "body": {
            "en": (
                "Communications are jammed in occupied territories, so there’s barely any cell service. People aren’t "
                "able to contact their loved ones for months on end. The only way to get a signal is to find the most "
                "elevated spot within walking distance from your home. People have to climb trees, or go on rooftops. "
                "The Kremyanets hill in Izyum was targeted and shot at for that exact reason–because people would "
                "climb it to call their loved ones. Elderly people, people with disabilities, and limited mobility, "
                "end up completely cut off from the outside world. Their loved ones spend months not knowing whether "
                "they are ok. People often write in to us wanting to evacuate elderly relatives whom they’ve had no "
                "contact with since March or April. Meanwhile, where there is dependable service, the FSS (russia’s "
                "Federal Security Service) monitors every call. They also confiscate phones and read text and call "
                "histories. People are forced to keep their communications brief, and censor themselves in "
                "conversations with loved ones."
            ),
            "uk": (
                "На окупованих територіях глушать звʼязок, тож мобільної мережі майже немає. Люди місяцями не можуть "
                "звʼязатися зі своїми рідними. Єдиний спосіб зловити сигнал — знайти найвищу точку, до якої можна "
                "дійти пішки від дому. Людям доводиться залазити на дерева чи на дахи. Гору Кремʼянець в Ізюмі "
                "прицільно обстрілювали саме через це — бо люди піднімалися на неї, щоб зателефонувати рідним. Літні "
                "люди, люди з інвалідністю та обмеженою мобільністю опиняються цілком відрізаними від зовнішнього "
                "світу. Їхні рідні місяцями не знають, чи з ними все гаразд. Нам часто пишуть люди, які хочуть "
                "евакуювати літніх родичів, з якими не мають звʼязку ще з березня чи квітня. Водночас там, де звʼязок "
                "стабільний, ФСБ (Федеральна служба безпеки росії) прослуховує кожен дзвінок. Крім того, у людей "
                "забирають телефони, читають листування й переглядають історію дзвінків. Люди змушені говорити стисло "
                "й цензурувати самих себе в розмовах із близькими."
            ),
        },
    },
    {
        "title": {"en": "Children as leverage", "uk": "Діти як засіб тиску"},
        "body": {
            "en": (
                "One popular leveraging tactic used by the occupiers is threatening to remove children from families "
                "and send them to russian foster families as punishment for “offenses”. Prior to the start of the "
                "school year, many families in occupation wanted to transfer their kids to online learning so as not "
                "to expose them to new russian-propaganda-filled school curriculums. Parents whose children were "
                "absent from school were threatened with their children being taken away. At school, under the "
                "occupation regime, children are forced to attend obligatory propagandist “clubs” along with regular "
                "classes. The objective of these “clubs” is to erase Ukrainian identity and enforce “russian world” "
                "values. We are also aware of cases of persecution, kidnapping and torture as punishment for speaking "
                "Ukrainian in public spaces. In occupied territories speaking Ukrainian is effectively forbidden."
            ),
            "uk": (
                "Одна з поширених тактик тиску, до якої вдаються окупанти, — погрози забрати дітей із родин і віддати "
                "їх у російські прийомні сімʼї як покарання за «провини». Перед початком навчального року чимало родин "
                "в окупації хотіли перевести дітей на дистанційне навчання, щоб уберегти їх від нових російських "
                "шкільних програм, наскрізь просякнутих пропагандою. Батькам, чиї діти не ходили до школи, погрожували "
                "відібрати дітей. У школах за окупаційного режиму дітей, окрім звичайних уроків, змушують відвідувати "
                "обовʼязкові пропагандистські «гуртки». Мета цих «гуртків» — стерти українську ідентичність і насадити "
                "цінності «руського миру». Нам також відомі випадки переслідувань, викрадень і катувань як покарання "
                "за українську мову в публічних місцях. На окупованих територіях говорити українською фактично "
                "заборонено."
            ),
        },
    },
    {
        "title": {"en": "Looting and extortion", "uk": "Мародерство та здирництво"},
        "body": {
            "en": (
                "Looting and robbery are the occupiers’ modus operandi. They commandeer any Ukrainian private "
                "belongings that catch their eye, even entire businesses and companies. We know of cases of forced "
                "transfer of ownership of at least one cafe and one agricultural business and many instances of "
                "confiscation of cars and other vehicles. People were forcibly evicted because the occupiers took a "
                "liking to their homes. Occupied territories are forced to start using the russian ruble, which can be "
                "purchased only at an extortionary rate, thereby devaluing Ukrainians’ savings. ATMs do not work, "
                "instead occupiers create their own “withdrawal” schemes, cashing out Ukrainian cards and taking a "
                "20-30% commission for the “service”. If retirees’ pensions are charged to their cards they can not "
                "access the funds, because no cards are accepted. Meanwhile, russian pensions exist only on paper. The "
                "payouts aren’t regular and happen sporadically in different localities."
            ),
            "uk": (
                "Мародерство й грабунки — звичний почерк окупантів. Вони привласнюють будь-яке приватне майно "
                "українців, що впаде їм в око, — навіть цілі підприємства й компанії. Нам відомо про примусову "
                "передачу права власності щонайменше на одне кафе та одне агропідприємство, а також про численні "
                "випадки конфіскації автомобілів та інших транспортних засобів. Людей примусово виселяли, бо окупантам "
                "сподобалися їхні оселі. Окуповані території змушують переходити на російський рубль, який можна "
                "придбати лише за грабіжницьким курсом, — і так знецінюються заощадження українців. Банкомати не "
                "працюють, натомість окупанти вигадують власні схеми «зняття готівки»: обготівковують українські "
                "картки й беруть за цю «послугу» 20–30% комісії. Якщо пенсіонерам нараховують пенсію на картки, вони "
                "не можуть отримати ці гроші, бо картки ніде не приймають. Тим часом російські пенсії існують лише на "
                "папері. Виплати надходять нерегулярно, у різних населених пунктах — від випадку до випадку."
            ),
        },
    },
    {
        "title": {"en": "Closed towns and “filtration”", "uk": "Закриті міста й «фільтрація»"},
        "body": {
            "en": (
                "Many localities within occupied territories are closed both for entry and exit. Sometimes travel is "
                "limited within the city as well. For example, in Balakliia, before it was liberated, there were "
                "checkpoints that blocked people traveling from one neighborhood to another. To exit such areas people "
                "have to undergo a rigorous and humiliating inspection, the so-called “filtration”. Men are stripped "
                "naked to check for specific tattoos, phones and computers are combed through, people are "
                "psychologically pressured, and sometimes turned away. This doesn’t just happen during exit onto "
                "Ukraine-controlled territory, this is also the case when traveling between occupied territories. "
                "Effectively, filtration stops people from being able to freely travel between cities."
            ),
            "uk": (
                "Багато населених пунктів на окупованих територіях закриті як для вʼїзду, так і для виїзду. Іноді "
                "пересування обмежують навіть у межах міста. Наприклад, у Балаклії до звільнення стояли блокпости, "
                "через які люди не могли пройти з одного району в інший. Щоб виїхати з таких місць, доводиться "
                "проходити ретельну й принизливу перевірку — так звану «фільтрацію». Чоловіків роздягають догола, "
                "шукаючи певні татуювання, телефони й компʼютери прискіпливо переглядають, на людей чинять "
                "психологічний тиск, а декого й розвертають назад. Так відбувається не лише під час виїзду на "
                "підконтрольну Україні територію, а й під час переїздів між окупованими територіями. Фактично "
                "фільтрація позбавляє людей можливості вільно їздити з міста до міста."
            ),
        },
    },
    {
        "title": {"en": "Forced labour", "uk": "Примусова праця"},
        "body": {
            "en": (
                "In cities that have been significantly damaged, occupiers use local inhabitants’ labor, forcing them "
                "to clear rubble and get rid of corpses in exchange for rations. There are multiple testimonies of "
                "this happening in Izyum under russian occupation. This practice is continuing in Mariupol and other "
                "cities. The punishment for breaking curfew, which simply means being outside any time after 8pm, is "
                "digging trenches (for men) and sweeping streets and washing occupiers’ uniforms (for women)."
            ),
            "uk": (
                "У містах, що зазнали значних руйнувань, окупанти використовують працю місцевих жителів: змушують їх "
                "розбирати завали й прибирати тіла загиблих в обмін на продуктові пайки. Є численні свідчення, що так "
                "було в Ізюмі під час російської окупації. Ця практика триває в Маріуполі та інших містах. Покарання "
                "за порушення комендантської години — а це будь-яка поява на вулиці після 20:00 — копання окопів (для "
                "чоловіків), підмітання вулиць і прання форми окупантів (для жінок)."
            ),
        },
    },
    {
        "title": {
            "en": "Erasing identity, persecuting minorities",
            "uk": "Стирання ідентичності, переслідування меншин",
        },
        "body": {
            "en": (
                "The effective goal of russian aggression is the “deukrainisation” of Ukraine: the destruction of "
                "sovereignty, erasure of national identity, the substitution of everything Ukrainian with everything "
                "russian. The Ukrainian language is de-facto forbidden in occupied territories, children in school are "
                "being told they are part of the “russian world”, advertisements and propaganda parrot the same "
                "message. Ukrainians are being forced to accept russian citizenship, are being forcibly deported to "
                "russia and are blocked from entering Ukraine-controlled territories. Children left without guardians "
                "are placed in russian families, where their cultural identities are erased and family ties broken. "
                "These acts are suggestive of genocide. The discrimination of religious and ethnic minorities is "
                "uniquely grievous. Advocacy groups in occupied Crimea have spent the last 8 years recording the "
                "disappearances, torture and extrajudicial sentencings of Crimean Tatars. The victims of russian "
                "special forces’ kidnappings disappear completely, are discovered dead or, if they are found alive, "
                "recount experiences of torture. Muslims have received prison sentences of over 10 years on account of "
                "their religion. Since the start of mobilization, Crimean Tatars have again been targeted–they have "
                "been served a disproportionate share of summons to enlistment, with, in some villages, 96% of the "
                "male population receiving a summons."
            ),
            "uk": (
                "Справжня мета російської агресії — «деукраїнізація» України: знищення суверенітету, стирання "
                "національної ідентичності, заміна всього українського російським. Українська мова на окупованих "
                "територіях де-факто заборонена, дітям у школах розповідають, що вони — частина «руського миру», "
                "реклама й пропаганда на всі лади повторюють те саме. Українців змушують приймати російське "
                "громадянство, примусово депортують до росії й не пускають на підконтрольні Україні території. Дітей, "
                "які залишилися без опікунів, віддають у російські сімʼї, де стирають їхню культурну ідентичність і "
                "розривають родинні звʼязки. Ці дії мають ознаки геноциду. Особливо жорстокої дискримінації зазнають "
                "релігійні та етнічні меншини. Правозахисники в окупованому Криму вже вісім років фіксують зникнення, "
                "катування й позасудові вироки кримським татарам. Жертви викрадень, скоєних російськими "
                "спецпідрозділами, зникають безслідно, їх знаходять мертвими, а ті, кого знаходять живими, "
                "розповідають про катування. Мусульман через їхню віру засуджували до понад десяти років увʼязнення. З "
                "початком мобілізації кримські татари знову опинилися під ударом: їм вручили непропорційно велику "
                "частку повісток, а в деяких селах повістки отримали 96% чоловіків."
            ),
        },
    },
]
