//! Golden values of the signature scheme (DESIGN section 4). If any of these
//! change, every stored signature and index made before is invalid: that is
//! only acceptable together with a new `normalize::VERSION` or scheme format
//! (which changes the fingerprint), never silently.

use riwaya::corpus::Content;
use riwaya::hash::hash_u32s;
use riwaya::job::DedupJob;
use riwaya::normalize::{canonical, matching_tokens};
use riwaya::sign::{shingle_set, sign_content};
use std::borrow::Cow;

/// A fixed Arabic text exercising the normalization rules: hamza forms,
/// harakat, tatweel, guillemets, the Arabic comma, Arabic-Indic digits and a
/// Persian yeh.
const TEXT: &str = "أجرى مدير مكتب «الأمن الوطني»، اللواء علي مملوك، زيارةً إلى طهـــران التقى خلالها \
أمين المجلس الأعلى للأمن القومي الإيراني، علي شمخاني، الأحد ٢٧ من شباط ٢٠٢٢، وبحث معه \
مواصلة طهران دعمها لسوریا وفق وكالة إرنا.";
const TITLE: &str = "علي مملوك يحمل إحاطة أمنية إلى طهران";

#[test]
fn normalization_is_pinned() {
    assert_eq!(
        canonical(TEXT),
        "أجرى مدير مكتب \"الأمن الوطني\", اللواء علي مملوك, زيارة إلى طهران التقى خلالها أمين المجلس الأعلى \
للأمن القومي الإيراني, علي شمخاني, الأحد 27 من شباط 2022, وبحث معه مواصلة طهران دعمها لسوريا وفق وكالة إرنا."
    );
    let tokens = matching_tokens(TEXT);
    assert_eq!(tokens.len(), 35);
    assert_eq!(&tokens[..6], ["اجري", "مدير", "مكتب", "الامن", "الوطني", "اللواء"]);
    assert_eq!(&tokens[21..26], ["الاحد", "27", "من", "شباط", "2022"]);
    assert_eq!(tokens[34], "ارنا");
}

#[test]
fn the_default_scheme_and_signature_are_pinned() {
    let scheme = DedupJob::default().scheme();
    assert_eq!(
        scheme.describe(),
        "riwaya-scheme/1 norm=l1l2.v1 tokenizer=l2 stemmer=none shingle=word:5 hash=xxh3-64 seed=0x7269776179610001 k=128 minhash=oph lsh=16x8"
    );
    assert_eq!(scheme.fingerprint_hex(), "aed9e47c509a238a");
    let content = Content { title: TITLE, text: Cow::Borrowed(TEXT) };
    let (set, tokens) = shingle_set(&scheme.shingler(), &content);
    assert_eq!((set.len(), tokens), (38, 42));
    let (sig, _, _) = sign_content(&scheme.shingler(), &scheme.minhasher(), &content);
    assert_eq!(
        &sig[..8],
        [2732634840, 862759310, 1885035953, 3874078944, 1885035953, 4194131613, 1025713541, 346790389]
    );
    assert_eq!(format!("{:016x}", hash_u32s(&sig, 0)), "2f0b9a91b5fb0c4c");
}
