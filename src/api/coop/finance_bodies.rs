//! Request bodies of the ledger, expense and dues endpoints, each with its validation step
//! (see `body`): amounts in minor units, dates as `services::ledger::parse_date` reads them,
//! lists of postings or budgets as JSON arrays or a form's indexed fields.

use herd_governance::ledger::Posting;
use serde::Deserialize;

use super::body::{missing_amount, nullable, IndexedList, MinorUnits};
use crate::error::{AppError, AppResult};
use crate::http::lenient;
use crate::services::{dues, expenses, ledger};

fn optional_date(field: &str, s: Option<&str>) -> AppResult<Option<i64>> {
    s.map(|d| ledger::parse_date(field, d)).transpose()
}

/// Trimmed, `None` when blank.
fn text(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// `POST ledger/transactions`: `{date?, memo, counterparty?, category?, postings: [{account,
/// amount, currency}]}`, or `{memo, reverses: id}` for a reversal.
#[derive(Debug, Deserialize)]
pub struct NewTransactionBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    memo: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    counterparty: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    category: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    date: Option<String>,
    #[serde(default)]
    postings: Option<IndexedList<PostingBody>>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    reverses: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PostingBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account: Option<String>,
    #[serde(default)]
    amount: Option<MinorUnits>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    currency: Option<String>,
}

impl PostingBody {
    fn validate(self, field: &str) -> AppResult<Posting> {
        let amount = self
            .amount
            .ok_or_else(|| missing_amount(&format!("{field}.amount")))?;
        let needs = |k: &str| AppError::validation(field, "ERR_BLANK", &format!("needs {k}"));
        let account = text(self.account).ok_or_else(|| needs("account"))?;
        let currency = text(self.currency).ok_or_else(|| needs("currency"))?;
        Ok(Posting::new(
            &account,
            amount.0,
            &currency.to_ascii_uppercase(),
        ))
    }
}

impl NewTransactionBody {
    pub fn validate(self) -> AppResult<ledger::NewTransaction> {
        let reverses = match self.reverses.as_deref() {
            Some(r) => Some(r.trim().parse::<i64>().map_err(|_| {
                AppError::validation("reverses", "ERR_INVALID", "must be a transaction id")
            })?),
            None => None,
        };
        let date = optional_date("date", self.date.as_deref())?;
        let postings = self
            .postings
            .map(|l| l.0)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, p)| p.validate(&format!("postings[{i}]")))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(ledger::NewTransaction {
            date,
            memo: self.memo.unwrap_or_default(),
            counterparty: self.counterparty.unwrap_or_default(),
            category: self.category.unwrap_or_default(),
            postings,
            reverses,
        })
    }
}

/// One budget: `{account | category, amount, currency?}`; `remove: true` (or, in a JSON
/// list, `amount: null`) removes it.
#[derive(Debug, Deserialize)]
pub struct BudgetBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    category: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    amount: Option<Option<MinorUnits>>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    remove: Option<bool>,
}

impl BudgetBody {
    fn validate(self, field: &str) -> AppResult<ledger::BudgetInput> {
        let account = text(self.account)
            .or_else(|| text(self.category))
            .ok_or_else(|| {
                AppError::validation(
                    &format!("{field}.account"),
                    "ERR_BLANK",
                    "needs account (or category)",
                )
            })?;
        let amount = match self.amount {
            _ if self.remove == Some(true) => None,
            None => {
                return Err(AppError::validation(
                    &format!("{field}.amount"),
                    "ERR_BLANK",
                    "needs amount (minor units; null removes the budget)",
                ))
            }
            Some(amount) => amount.map(|a| a.0),
        };
        Ok(ledger::BudgetInput {
            account,
            amount,
            currency: text(self.currency),
        })
    }
}

/// `PUT ledger/budgets`: `{period, budgets: [budget…]}`, or one budget's fields at the top.
#[derive(Debug, Deserialize)]
pub struct BudgetsBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    period: Option<String>,
    #[serde(default)]
    budgets: Option<IndexedList<BudgetBody>>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    category: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    amount: Option<Option<MinorUnits>>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    remove: Option<bool>,
}

impl BudgetsBody {
    pub fn validate(self) -> AppResult<(ledger::BudgetPeriod, Vec<ledger::BudgetInput>)> {
        let period = ledger::parse_period("period", self.period.as_deref().unwrap_or(""))?;
        let items = match self.budgets {
            Some(list) => list
                .0
                .into_iter()
                .enumerate()
                .map(|(i, b)| b.validate(&format!("budgets[{i}]")))
                .collect::<AppResult<_>>()?,
            None => vec![BudgetBody {
                account: self.account,
                category: self.category,
                amount: self.amount,
                currency: self.currency,
                remove: self.remove,
            }
            .validate("budgets[0]")?],
        };
        Ok((period, items))
    }
}

/// `POST expenses`: `{amount, currency, description, category}` and receipt files.
#[derive(Debug, Deserialize)]
pub struct NewExpenseBody {
    #[serde(default)]
    amount: Option<MinorUnits>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    category: Option<String>,
}

impl NewExpenseBody {
    pub fn validate(self) -> AppResult<expenses::NewExpense> {
        Ok(expenses::NewExpense {
            amount: self.amount.ok_or_else(|| missing_amount("amount"))?.0,
            currency: self.currency.unwrap_or_default(),
            description: self.description.unwrap_or_default(),
            category: self.category.unwrap_or_default(),
        })
    }
}

/// `POST expenses/:id/reject`: `{reason}`.
#[derive(Debug, Deserialize)]
pub struct RejectBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub reason: Option<String>,
}

/// `POST expenses/:id/pay`: `{account?, date?}`.
#[derive(Debug, Deserialize)]
pub struct PayBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    date: Option<String>,
}

impl PayBody {
    /// The asset account paid from and the payment's date.
    pub fn validate(self) -> AppResult<(Option<String>, Option<i64>)> {
        let date = optional_date("date", self.date.as_deref())?;
        Ok((self.account, date))
    }
}

/// `POST members/:account_id/dues`: `{amount, currency?, periods?, account?, date?, memo?}`.
#[derive(Debug, Deserialize)]
pub struct DuesBody {
    #[serde(default)]
    amount: Option<MinorUnits>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    periods: Option<u64>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    date: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    memo: Option<String>,
}

impl DuesBody {
    pub fn validate(self, account_id: i64) -> AppResult<dues::ManualDues> {
        Ok(dues::ManualDues {
            account_id,
            amount: self.amount.ok_or_else(|| missing_amount("amount"))?.0,
            currency: self.currency,
            periods: u32::try_from(self.periods.unwrap_or(1)).unwrap_or(0),
            account: self.account,
            date: optional_date("date", self.date.as_deref())?,
            memo: self.memo,
        })
    }
}

/// `POST members/:account_id/share`: `{account?, date?, memo?}`.
#[derive(Debug, Deserialize, Default)]
pub struct ShareBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    account: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    date: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    memo: Option<String>,
}

impl ShareBody {
    pub fn validate(self, account_id: i64) -> AppResult<dues::SharePayment> {
        Ok(dues::SharePayment {
            account_id,
            account: self.account,
            date: optional_date("date", self.date.as_deref())?,
            memo: self.memo,
        })
    }
}

/// `POST dues/checkout` (and `POST membership {dues: …}`): `{mode: payment|subscription,
/// amount?, periods?}`.
#[derive(Debug, Deserialize)]
pub struct CheckoutBody {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    mode: Option<String>,
    #[serde(default)]
    amount: Option<MinorUnits>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    periods: Option<u64>,
}

impl CheckoutBody {
    pub fn validate(self) -> AppResult<dues::CheckoutRequest> {
        Ok(dues::CheckoutRequest {
            mode: self.mode.unwrap_or_else(|| "payment".into()),
            amount: self.amount.map(|a| a.0),
            periods: u32::try_from(self.periods.unwrap_or(1)).unwrap_or(0),
        })
    }
}
