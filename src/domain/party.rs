//! Parties to a case and their vulnerability factors.

use crate::text_enum;

text_enum!(
    PartyRole {
        Complainant = "complainant",
        Victim = "victim",
        Witness = "witness",
        Other = "other",
    }
);

text_enum!(
    /// Why a party may need particular care.
    VulnerabilityFactor {
        /// Under 18.
        Child = "child",
        OlderPerson = "older_person",
        MentalHealth = "mental_health",
        SubstanceMisuse = "substance_misuse",
        /// Uses support services.
        SupportServices = "support_services",
        /// A victim of, or witness to, a crime.
        VictimOrWitnessOfCrime = "victim_or_witness_of_crime",
        Other = "other",
    }
);
