//! The answer engine (placeholder until the ranking lands).

use std::sync::Arc;

use crate::knowledge::Knowledge;
use crate::reply::Reply;
use crate::text::Normalizer;

/// Turns one message into the best handbook answer. Pure and synchronous.
#[derive(Debug)]
pub struct Engine {
    knowledge: Arc<Knowledge>,
    normalizer: Normalizer,
}

/// The engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Script conversion tables failed to load.
    #[error(transparent)]
    Converter(#[from] crate::text::normalize_error::ConverterError),
}

impl Engine {
    /// Build the engine over validated knowledge.
    pub fn new(knowledge: Arc<Knowledge>) -> Result<Self, EngineError> {
        Ok(Engine {
            knowledge,
            normalizer: Normalizer::new()?,
        })
    }

    /// The knowledge this engine answers from.
    pub fn knowledge(&self) -> &Arc<Knowledge> {
        &self.knowledge
    }

    /// The normalizer (shared with the deal parser).
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// Answer one message.
    pub fn answer(&self, text: &str) -> Reply {
        let _ = self.normalizer.normalize(text);
        Reply::plain("none", "…")
    }
}
