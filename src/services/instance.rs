//! What the instance endpoints tell about this server beyond its configuration: the domains
//! it knows, its weekly activity, the languages posts may be in, and the co-op's documents
//! that stand in for Mastodon's extended description, privacy policy and terms of service.

use serde::Serialize;

use crate::error::AppResult;
use crate::state::AppState;
use crate::storage::governance::PolicyVersionRow;
use crate::storage::instance_stats;
use crate::time::MICROS_PER_DAY;

/// `GET /api/v1/instance/peers`: the domains of the remote accounts known here.
pub async fn peers(state: &AppState) -> AppResult<Vec<String>> {
    Ok(instance_stats::peers(&state.db.pool).await?)
}

/// One week of `GET /api/v1/instance/activity` (numbers as strings, as Mastodon sends them).
#[derive(Debug, Serialize)]
pub struct WeekActivity {
    /// The week's first second (Monday 00:00 UTC), UNIX seconds.
    pub week: String,
    pub statuses: String,
    pub logins: String,
    pub registrations: String,
}

const WEEKS: i64 = 12;
const WEEK: i64 = 7 * MICROS_PER_DAY;

/// `GET /api/v1/instance/activity`: the last twelve weeks, this one first.
pub async fn activity(state: &AppState) -> AppResult<Vec<WeekActivity>> {
    let now = state.clock.now_micros();
    let today = now - now.rem_euclid(MICROS_PER_DAY);
    // 1970-01-01 was a Thursday: days since then + 3, modulo 7, is days since Monday.
    let since_monday = ((today / MICROS_PER_DAY) + 3).rem_euclid(7);
    let this_week = today - since_monday * MICROS_PER_DAY;
    let start = this_week - (WEEKS - 1) * WEEK;
    let w = instance_stats::weekly(&state.db.pool, start, WEEK).await?;
    let at = |rows: &[(i64, i64)], i: i64| {
        rows.iter()
            .find(|(week, _)| *week == i)
            .map_or(0, |(_, n)| *n)
            .to_string()
    };
    Ok((0..WEEKS)
        .rev()
        .map(|i| WeekActivity {
            week: ((start + i * WEEK) / 1_000_000).to_string(),
            statuses: at(&w.statuses, i),
            logins: at(&w.logins, i),
            registrations: at(&w.registrations, i),
        })
        .collect())
}

/// A co-op document as Mastodon's instance documents carry it.
pub struct Document {
    pub effective_at: i64,
    pub html: String,
}

/// The slugs of adopted policies that serve as Mastodon's documents.
pub const PRIVACY_POLICY_SLUGS: &[&str] = &["privacy-policy", "privacy"];
pub const TERMS_OF_SERVICE_SLUGS: &[&str] = &["terms-of-service", "terms"];

fn markdown_html(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(markdown));
    // Members adopt these documents by vote, but they are still served to every app.
    ammonia::clean(&html)
}

async fn in_force(state: &AppState, slug: &str) -> AppResult<Option<PolicyVersionRow>> {
    Ok(
        crate::storage::governance::policy_in_force(&state.db.pool, slug, state.clock.now_micros())
            .await?,
    )
}

/// The first policy in force under one of `slugs`, its body (front matter aside) as HTML.
pub async fn policy_document(state: &AppState, slugs: &[&str]) -> AppResult<Option<Document>> {
    for slug in slugs {
        if let Some(row) = in_force(state, slug).await? {
            let doc = herd_governance::bylaws::parse_document(&row.source)
                .map_err(crate::error::AppError::internal)?;
            let mut markdown = format!("# {}\n\n", doc.title);
            markdown.push_str(&doc.body);
            return Ok(Some(Document {
                effective_at: row.effective_at,
                html: markdown_html(&markdown),
            }));
        }
    }
    Ok(None)
}

/// The slug of the policy in force under one of `slugs`, if any (for the v2 instance's URLs).
pub async fn policy_slug(state: &AppState, slugs: &[&str]) -> AppResult<Option<String>> {
    for slug in slugs {
        if in_force(state, slug).await?.is_some() {
            return Ok(Some((*slug).to_string()));
        }
    }
    Ok(None)
}

/// `GET /api/v1/instance/extended_description`: the instance's description and the co-op's
/// documents in force (each with its summary), updated when the newest of them took effect.
pub async fn extended_description(state: &AppState) -> AppResult<Document> {
    let settings = crate::services::instance_settings::current(state);
    let mut markdown = format!("{}\n\n", settings.description);
    if !settings.extended_description.trim().is_empty() {
        markdown.push_str(&format!("{}\n\n", settings.extended_description.trim()));
    }
    let mut effective_at = 0;
    let policies = crate::services::policies::list_in_force(state).await?;
    if !policies.is_empty() {
        markdown.push_str("## The co-op's documents in force\n\n");
    }
    for p in &policies {
        effective_at = effective_at.max(p.row.effective_at);
        let summary = p.doc.summary.as_deref().unwrap_or("");
        markdown.push_str(&format!(
            "- **{}** (version {}): {}\n",
            p.doc.title.replace(['*', '_', '[', ']'], ""),
            p.row.version,
            summary
        ));
    }
    Ok(Document {
        effective_at,
        html: markdown_html(&markdown),
    })
}

/// `GET /api/v1/instance/languages`: the ISO 639-1 languages a post may be written in.
pub fn languages() -> Vec<(&'static str, &'static str)> {
    LANGUAGES
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .collect()
}

const LANGUAGES: &str = "aa=Afar;ab=Abkhaz;ae=Avestan;af=Afrikaans;ak=Akan;am=Amharic;an=Aragonese;\
ar=Arabic;as=Assamese;av=Avaric;ay=Aymara;az=Azerbaijani;ba=Bashkir;be=Belarusian;bg=Bulgarian;\
bh=Bihari;bi=Bislama;bm=Bambara;bn=Bengali;bo=Tibetan;br=Breton;bs=Bosnian;ca=Catalan;ce=Chechen;\
ch=Chamorro;co=Corsican;cr=Cree;cs=Czech;cu=Old Church Slavonic;cv=Chuvash;cy=Welsh;da=Danish;\
de=German;dv=Divehi;dz=Dzongkha;ee=Ewe;el=Greek;en=English;eo=Esperanto;es=Spanish;et=Estonian;\
eu=Basque;fa=Persian;ff=Fula;fi=Finnish;fj=Fijian;fo=Faroese;fr=French;fy=Western Frisian;\
ga=Irish;gd=Scottish Gaelic;gl=Galician;gn=Guarani;gu=Gujarati;gv=Manx;ha=Hausa;he=Hebrew;\
hi=Hindi;ho=Hiri Motu;hr=Croatian;ht=Haitian;hu=Hungarian;hy=Armenian;hz=Herero;ia=Interlingua;\
id=Indonesian;ie=Interlingue;ig=Igbo;ii=Nuosu;ik=Inupiaq;io=Ido;is=Icelandic;it=Italian;\
iu=Inuktitut;ja=Japanese;jv=Javanese;ka=Georgian;kg=Kongo;ki=Kikuyu;kj=Kwanyama;kk=Kazakh;\
kl=Kalaallisut;km=Khmer;kn=Kannada;ko=Korean;kr=Kanuri;ks=Kashmiri;ku=Kurmanji (Kurdish);kv=Komi;\
kw=Cornish;ky=Kyrgyz;la=Latin;lb=Luxembourgish;lg=Ganda;li=Limburgish;ln=Lingala;lo=Lao;\
lt=Lithuanian;lu=Luba-Katanga;lv=Latvian;mg=Malagasy;mh=Marshallese;mi=Māori;mk=Macedonian;\
ml=Malayalam;mn=Mongolian;mr=Marathi;ms=Malay;mt=Maltese;my=Burmese;na=Nauru;nb=Norwegian Bokmål;\
nd=Northern Ndebele;ne=Nepali;ng=Ndonga;nl=Dutch;nn=Norwegian Nynorsk;no=Norwegian;nr=Southern Ndebele;\
nv=Navajo;ny=Chichewa;oc=Occitan;oj=Ojibwe;om=Oromo;or=Oriya;os=Ossetian;pa=Punjabi;pi=Pāli;\
pl=Polish;ps=Pashto;pt=Portuguese;qu=Quechua;rm=Romansh;rn=Kirundi;ro=Romanian;ru=Russian;\
rw=Kinyarwanda;sa=Sanskrit;sc=Sardinian;sd=Sindhi;se=Northern Sami;sg=Sango;si=Sinhala;sk=Slovak;\
sl=Slovenian;sm=Samoan;sn=Shona;so=Somali;sq=Albanian;sr=Serbian;ss=Swati;st=Southern Sotho;\
su=Sundanese;sv=Swedish;sw=Swahili;ta=Tamil;te=Telugu;tg=Tajik;th=Thai;ti=Tigrinya;tk=Turkmen;\
tl=Tagalog;tn=Tswana;to=Tonga;tr=Turkish;ts=Tsonga;tt=Tatar;tw=Twi;ty=Tahitian;ug=Uyghur;\
uk=Ukrainian;ur=Urdu;uz=Uzbek;ve=Venda;vi=Vietnamese;vo=Volapük;wa=Walloon;wo=Wolof;xh=Xhosa;\
yi=Yiddish;yo=Yoruba;za=Zhuang;zh=Chinese;zu=Zulu";

/// The code of conduct in force, as Mastodon rules (`/api/v1/instance/rules`, the report form,
/// the about page): each top-level clause is a rule (its title the rule, its text the hint),
/// and its id is the clause id reports cite.
pub async fn rules_in_force(state: &AppState) -> AppResult<Vec<crate::entities::Rule>> {
    let coc = crate::services::policies::in_force(
        &state.db,
        herd_governance::bylaws::CODE_OF_CONDUCT_SLUG,
        state.clock.now_micros(),
    )
    .await?;
    Ok(coc
        .map(|doc| {
            doc.top_level_clauses()
                .map(|c| crate::entities::Rule {
                    id: c.id.clone(),
                    text: c.title.clone(),
                    hint: c.text.trim().to_string(),
                    translations: Default::default(),
                })
                .collect()
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #[test]
    fn languages_are_iso_639_1() {
        let l = super::languages();
        assert!(l.len() > 180, "{}", l.len());
        assert!(l
            .iter()
            .all(|(code, name)| code.len() == 2 && !name.is_empty()));
        assert!(l.contains(&("ja", "Japanese")));
    }
}
