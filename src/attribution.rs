//! Whom a version cites, and how (DESIGN section 7): news agencies and
//! outlets named in the text, with the verbs around them.
//!
//! Names are matched on L1 words with light folding (alef forms, ة, ى), so
//! that single-letter abbreviations such as «أ ف ب» survive. Names that are
//! also common words (فارس a knight, الوطن the homeland, العالم the world,
//! الجزيرة the peninsula) count only in an agency context: after وكالة,
//! قناة, صحيفة, موقع… (with أنباء in between), inside quotation marks or
//! brackets, or followed by للأنباء. The list is data ([`AGENCIES`]); a
//! config file can extend it.
//!
//! Verbs within six words before or four after a mention are kept and
//! classed: affirming (أكد, كشف…), neutral (قال, ذكر, حسب…) or distancing
//! (زعم, ادعى, «على حد وصفها»), the stance an outlet takes towards a source.

use crate::normalize::WordSpans;
use ahash::AHashMap;
use serde::Serialize;

/// An agency or outlet: canonical name, written forms (folded words), and
/// whether it needs an agency context.
#[derive(Debug, Clone)]
pub struct Agency {
    /// Canonical name.
    pub name: String,
    /// Written forms, each a sequence of folded words.
    pub forms: Vec<Vec<String>>,
    /// Counts only in an agency context.
    pub needs_context: bool,
}

/// Built-in agencies: (name, forms separated by `|`, needs context).
pub const AGENCIES: &[(&str, &str, bool)] = &[
    ("SANA", "سانا|sana", false),
    ("IRNA", "ارنا|irna", false),
    ("Fars", "فارس|fars", true),
    ("Tasnim", "تسنيم|tasnim", false),
    ("Mehr", "مهر|mehr", true),
    ("Sputnik", "سبوتنيك|sputnik", false),
    ("TASS", "تاس|tass", true),
    ("RIA Novosti", "نوفوستي|novosti", false),
    ("Reuters", "رويترز|reuters", false),
    ("AFP", "فرانس برس|ا ف ب|afp|فرانس بريس", false),
    ("AP", "اسوشيتد برس|اسوشييتد برس|associated press", false),
    ("Anadolu", "الاناضول|anadolu", false),
    ("Xinhua", "شينخوا|xinhua", false),
    ("DPA", "الالمانيه للانباء|dpa", false),
    ("Al Jazeera", "الجزيره|al jazeera", true),
    ("Al Arabiya", "العربيه|al arabiya", true),
    ("Sky News Arabia", "سكاي نيوز|sky news", false),
    ("BBC", "بي بي سي|bbc", false),
    ("CNN", "سي ان ان|cnn", false),
    ("Al-Watan", "الوطن|al-watan|al watan", true),
    ("Al-Alam", "العالم|al-alam|al alam", true),
    ("Enab Baladi", "عنب بلدي|enab baladi", false),
    ("Al-Araby Al-Jadeed", "العربي الجديد|al-araby al-jadeed", true),
    ("Syria Home News", "سيرياهوم نيوز|syriahome", false),
];

/// Words before a name that make it an agency context.
const CONTEXT_BEFORE: &[&str] =
    &["وكاله", "وكالات", "قناه", "صحيفه", "موقع", "شبكه", "اذاعه", "تلفزيون", "انباء", "الانباء", "agency", "news"];
/// Words after a name that make it an agency context.
const CONTEXT_AFTER: &[&str] = &["للانباء", "الاخباريه", "news", "agency"];

/// Stance of an attribution verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// States what the source said.
    Neutral,
    /// Presents the source's words as established.
    Affirming,
    /// Distances itself from the source's words.
    Distancing,
}

impl Stance {
    /// Lower-case name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Stance::Neutral => "neutral",
            Stance::Affirming => "affirming",
            Stance::Distancing => "distancing",
        }
    }
}

const VERBS: &[(&str, Stance)] = &[
    ("قال", Stance::Neutral),
    ("قالت", Stance::Neutral),
    ("ذكر", Stance::Neutral),
    ("ذكرت", Stance::Neutral),
    ("نقل", Stance::Neutral),
    ("نقلت", Stance::Neutral),
    ("نقلته", Stance::Neutral),
    ("افاد", Stance::Neutral),
    ("افادت", Stance::Neutral),
    ("اعلن", Stance::Neutral),
    ("اعلنت", Stance::Neutral),
    ("حسب", Stance::Neutral),
    ("بحسب", Stance::Neutral),
    ("وبحسب", Stance::Neutral),
    ("وحسب", Stance::Neutral),
    ("وفق", Stance::Neutral),
    ("وفقا", Stance::Neutral),
    ("اورد", Stance::Neutral),
    ("اوردت", Stance::Neutral),
    ("نشر", Stance::Neutral),
    ("نشرت", Stance::Neutral),
    ("بث", Stance::Neutral),
    ("بثت", Stance::Neutral),
    ("said", Stance::Neutral),
    ("reported", Stance::Neutral),
    ("according", Stance::Neutral),
    ("اكد", Stance::Affirming),
    ("اكدت", Stance::Affirming),
    ("كشف", Stance::Affirming),
    ("كشفت", Stance::Affirming),
    ("اوضح", Stance::Affirming),
    ("اوضحت", Stance::Affirming),
    ("confirmed", Stance::Affirming),
    ("revealed", Stance::Affirming),
    ("زعم", Stance::Distancing),
    ("زعمت", Stance::Distancing),
    ("ادعي", Stance::Distancing),
    ("ادعت", Stance::Distancing),
    ("claimed", Stance::Distancing),
    ("alleged", Stance::Distancing),
];

/// One agency cited by a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribution {
    /// Canonical agency name.
    pub agency: String,
    /// Times it is named.
    pub mentions: u32,
    /// Verbs used around it, as written (folded), distinct, in text order.
    pub verbs: Vec<String>,
    /// The most distancing stance among them (neutral when no verb).
    pub stance: Stance,
}

/// The agency list, with folded forms.
#[derive(Debug, Clone)]
pub struct Agencies {
    list: Vec<Agency>,
    /// First folded word of a form → (agency, form) indices, in list order.
    first_words: AHashMap<String, Vec<(u32, u32)>>,
    /// A bit per [`shape`] of the first words: most words of a text are
    /// ruled out by one bit test.
    shapes: Vec<u64>,
    /// Words in the longest form.
    longest: usize,
}

impl Default for Agencies {
    fn default() -> Self {
        let mut a =
            Self { list: Vec::new(), first_words: AHashMap::new(), shapes: vec![0; SHAPE_BITS / 64], longest: 0 };
        for &(name, forms, needs_context) in AGENCIES {
            let forms: Vec<String> = forms.split('|').map(str::to_string).collect();
            a.add(name, &forms, needs_context);
        }
        a
    }
}

/// Light folding for matching names: alef forms, ة, ى, case.
fn fold(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    fold_into(w, &mut out);
    out
}

fn fold_into(w: &str, out: &mut String) {
    out.extend(w.chars().map(fold_char));
}

fn fold_char(c: char) -> char {
    match c {
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ة' => 'ه',
        'ى' => 'ي',
        c if c.is_ascii() => c.to_ascii_lowercase(),
        c @ '\u{0600}'..='\u{06FF}' => c,
        c => c.to_lowercase().next().unwrap_or(c),
    }
}

/// A word of the text: its folded form, and where it is in the L1 text.
struct Word<'b> {
    folded: &'b str,
    start: usize,
    end: usize,
}

/// The words `spans` of `l1`, their folded forms written one after another
/// into `buf` (one allocation, not one per word).
fn words<'b>(l1: &str, spans: &[std::ops::Range<usize>], buf: &'b mut String) -> Vec<Word<'b>> {
    buf.clear();
    let ends: Vec<usize> = spans
        .iter()
        .map(|r| {
            fold_into(&l1[r.clone()], buf);
            buf.len()
        })
        .collect();
    let buf: &'b String = buf;
    let mut from = 0;
    spans
        .iter()
        .zip(ends)
        .map(|(r, end)| {
            let word = Word { folded: &buf[from..end], start: r.start, end: r.end };
            from = end;
            word
        })
        .collect()
}

/// Bits of [`Agencies::shapes`].
const SHAPE_BITS: usize = 1 << 14;

/// A folded word's byte length, first and last characters, hashed into
/// [`SHAPE_BITS`].
fn shape(len: usize, first: char, last: char) -> usize {
    (len.wrapping_mul(0x9E37) ^ (first as usize).wrapping_mul(0x2F1) ^ last as usize) & (SHAPE_BITS - 1)
}

/// True when `text` is ASCII and Arabic (U+0600–U+06FF) only, where
/// folding keeps byte lengths.
fn folding_keeps_lengths(text: &str) -> bool {
    text.bytes().all(|b| b < 0xC0 || (0xD8..=0xDB).contains(&b))
}

/// The folded byte length and last character of an L1 word; `plain`: the
/// word is known to be ASCII and Arabic only (see
/// [`folding_keeps_lengths`]), so it need not be folded to be measured.
fn folded_shape(word: &str, plain: bool) -> Option<(usize, char)> {
    let last = fold_char(word.chars().next_back()?);
    if plain || folding_keeps_lengths(word) { Some((word.len(), last)) } else { Some((fold(word).len(), last)) }
}

impl Agencies {
    /// Adds an agency (from a config file).
    pub fn add(&mut self, name: &str, forms: &[String], needs_context: bool) {
        let agency = Agency {
            name: name.into(),
            forms: forms.iter().map(|f| f.split(' ').map(fold).collect()).collect(),
            needs_context,
        };
        for (k, form) in agency.forms.iter().enumerate() {
            self.longest = self.longest.max(form.len());
            if let Some(first) = form.first() {
                if let (Some(head), Some(last)) = (first.chars().next(), first.chars().next_back()) {
                    let bit = shape(first.len(), head, last);
                    self.shapes[bit / 64] |= 1 << (bit % 64);
                }
                self.first_words.entry(first.clone()).or_default().push((self.list.len() as u32, k as u32));
            }
        }
        self.list.push(agency);
    }

    /// Whether the L1 word `word` can be the first word of a form (as
    /// written, or after a one-letter prefix, two bytes in UTF-8): false
    /// rules it out, true is only a maybe. Folding is a map of characters,
    /// so the folded word's first and last characters are those of the word
    /// folded.
    fn may_start(&self, word: &str, plain: bool) -> bool {
        let Some((len, last)) = folded_shape(word, plain) else { return false };
        let has = |len: usize, first: char| {
            let bit = shape(len, first, last);
            self.shapes[bit / 64] & (1 << (bit % 64)) != 0
        };
        let mut chars = word.chars().map(fold_char);
        let Some(first) = chars.next() else { return false };
        has(len, first)
            || (len > 2
                && matches!(first, 'ل' | 'ب' | 'و' | 'ف')
                && chars.next().is_some_and(|second| has(len - 2, second)))
    }

    /// The (agency, form) pairs whose first word may be `word`, as written
    /// or after a one-letter prefix (ل, ب, و, ف), in list order.
    fn candidates(&self, word: &str, out: &mut Vec<(u32, u32)>) {
        out.clear();
        if let Some(c) = self.first_words.get(word) {
            out.extend_from_slice(c);
        }
        let mut chars = word.chars();
        if matches!(chars.next(), Some('ل' | 'ب' | 'و' | 'ف'))
            && let Some(c) = self.first_words.get(chars.as_str())
        {
            out.extend_from_slice(c);
        }
        out.sort_unstable();
        out.dedup();
    }

    /// The agencies cited in `l1` (an L1 text), in order of first mention.
    ///
    /// Most words cannot start a name: a word is folded and looked up only
    /// when its folded length and last letter are those of a name's first
    /// word ([`Agencies::may_start`]), and the words around it only when it
    /// is one.
    pub fn find(&self, l1: &str) -> Vec<Attribution> {
        let spans: Vec<std::ops::Range<usize>> = WordSpans::new(l1).collect();
        let plain = folding_keeps_lengths(l1);
        let mut folded = String::new();
        let mut out: Vec<Attribution> = Vec::new();
        let mut at = 0;
        let mut candidates = Vec::new();
        while at < spans.len() {
            let word = &l1[spans[at].clone()];
            let may_be_a_name = self.may_start(word, plain) && {
                folded.clear();
                fold_into(word, &mut folded);
                self.candidates(&folded, &mut candidates);
                !candidates.is_empty()
            };
            if !may_be_a_name {
                at += 1;
                continue;
            }
            // The words a mention here can involve: six before, the name,
            // four after; `i` is this word among them.
            let base = at.saturating_sub(6);
            let w = words(l1, &spans[base..(at + self.longest + 4).min(spans.len())], &mut folded);
            let i = at - base;
            let mut matched = None;
            self.candidates(w[i].folded, &mut candidates);
            for &(a, f) in &candidates {
                let agency = &self.list[a as usize];
                let form = &agency.forms[f as usize];
                let n = form.len();
                if i + n > w.len() {
                    continue;
                }
                // A form matches the words, the first of them possibly with
                // a one-letter prefix (ل, ب, و, ف).
                let ok = form.iter().enumerate().all(|(k, f)| {
                    let word = w[i + k].folded;
                    word == f
                        || (k == 0 && word.chars().count() == f.chars().count() + 1 && {
                            let mut c = word.chars();
                            matches!(c.next(), Some('ل' | 'ب' | 'و' | 'ف')) && c.as_str() == f
                        })
                });
                if ok && (!agency.needs_context || in_context(l1, &w, i, i + n)) {
                    matched = Some((agency, n));
                    break;
                }
            }
            let Some((agency, n)) = matched else {
                at += 1;
                continue;
            };
            let from = i.saturating_sub(6);
            let to = (i + n + 4).min(w.len());
            let mut verbs: Vec<(String, Stance)> = w[from..to]
                .iter()
                .filter_map(|x| {
                    // Conjunctions are written attached: وقال, فذكرت.
                    let bare = x.folded.strip_prefix(['و', 'ف']).filter(|b| b.chars().count() >= 3);
                    VERBS.iter().find(|(v, _)| *v == x.folded || bare == Some(*v)).map(|&(v, s)| (v.to_string(), s))
                })
                .collect();
            let window = &l1[w[from].start..w[to - 1].end];
            if window.contains("حد وصف") || window.contains("حد تعبير") || window.contains("حسب تعبير")
            {
                verbs.push(("على حد وصفها".into(), Stance::Distancing));
            }
            let entry = match out.iter_mut().find(|a| a.agency == agency.name) {
                Some(e) => e,
                None => {
                    out.push(Attribution {
                        agency: agency.name.clone(),
                        mentions: 0,
                        verbs: Vec::new(),
                        stance: Stance::Neutral,
                    });
                    out.last_mut().expect("just pushed")
                }
            };
            entry.mentions += 1;
            for (v, s) in verbs {
                if !entry.verbs.contains(&v) {
                    entry.verbs.push(v);
                }
                entry.stance = entry.stance.max(s);
            }
            at += n;
        }
        out
    }
}

/// True when the words `from..to` are named as an agency: after an agency
/// word, before للأنباء, or inside quotation marks or brackets.
fn in_context(l1: &str, w: &[Word], from: usize, to: usize) -> bool {
    let before = w[from.saturating_sub(3)..from].iter().any(|x| CONTEXT_BEFORE.contains(&x.folded));
    let after = w.get(to).is_some_and(|x| CONTEXT_AFTER.contains(&x.folded));
    let start = w[from].start;
    let end = w[to - 1].end;
    let prev = l1[..start].trim_end().chars().next_back();
    let next = l1[end..].trim_start().chars().next();
    let wrapped = matches!((prev, next), (Some('"'), Some('"')) | (Some('('), Some(')')) | (Some('\''), Some('\'')));
    before || after || wrapped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::canonical;

    fn names(text: &str) -> Vec<String> {
        Agencies::default().find(&canonical(text)).into_iter().map(|a| a.agency).collect()
    }

    #[test]
    fn agencies_with_and_without_context() {
        assert_eq!(names("وفق وكالة «سانا» أمس، وذكرت وكالة «فارس» الإيرانية"), ["SANA", "Fars"]);
        assert_eq!(names("بحسب ما نقلته وكالة الأنباء الإيرانية الرسمية (إرنا)"), ["IRNA"]);
        assert_eq!(names("قال لوكالة «سبوتنيك» الروسية، وقالت وكالة فرانس برس و(أ ف ب)"), ["Sputnik", "AFP"]);
        assert_eq!(names("According to Reuters and AFP"), ["Reuters", "AFP"]);
        // Common words are not agencies outside an agency context.
        assert!(names("كان فارس على حصانه في العالم العربي").is_empty());
        assert_eq!(names("ذكرت صحيفة الوطن السورية"), ["Al-Watan"]);
    }

    #[test]
    fn names_in_any_script_and_with_prefixes() {
        let mut a = Agencies::default();
        a.add("Télam", &["télam".to_string(), "تيلام".to_string()], false);
        let found = a.find(&canonical("Según Télam y TÉLAM، لتيلام و بتيلام: SANA and لسانا"));
        let got: Vec<(&str, u32)> = found.iter().map(|x| (x.agency.as_str(), x.mentions)).collect();
        assert_eq!(got, [("Télam", 4), ("SANA", 2)]);
    }

    #[test]
    fn verbs_and_stance() {
        let found = Agencies::default().find(&canonical(
            "ذكرت وكالة «سانا» أن الاجتماع بحث الوضع، وزعمت «سانا» أن القصف استهدف الإرهابيين على حد وصفها",
        ));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].mentions, 2);
        assert!(found[0].verbs.contains(&"ذكرت".to_string()) && found[0].verbs.contains(&"زعمت".to_string()));
        assert_eq!(found[0].stance, Stance::Distancing);
        let found = Agencies::default().find(&canonical("وأكدت وكالة رويترز الخبر"));
        assert_eq!(found[0].stance, Stance::Affirming);
    }
}
