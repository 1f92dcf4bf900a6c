//! Allegations: the Standard of Professional Behaviour alleged to be breached and the warning
//! signs observed.

use crate::text_enum;

text_enum!(
    /// The Standards of Professional Behaviour.
    Standard {
        HonestyAndIntegrity = "honesty_and_integrity",
        AuthorityRespectAndCourtesy = "authority_respect_and_courtesy",
        EqualityAndDiversity = "equality_and_diversity",
        UseOfForce = "use_of_force",
        OrdersAndInstructions = "orders_and_instructions",
        DutiesAndResponsibilities = "duties_and_responsibilities",
        Confidentiality = "confidentiality",
        FitnessForWork = "fitness_for_work",
        DiscreditableConduct = "discreditable_conduct",
        ChallengingAndReportingImproperConduct = "challenging_and_reporting_improper_conduct",
    }
);

text_enum!(
    /// Warning signs of abuse of position for a sexual purpose.
    WarningSign {
        /// The victim sees the officer as a rescuer.
        VictimSeesOfficerAsRescuer = "victim_sees_officer_as_rescuer",
        /// The victim often asks for one officer.
        VictimAsksForOneOfficer = "victim_asks_for_one_officer",
        /// Visits or welfare checks at odd times.
        VisitsAtOddTimes = "visits_at_odd_times",
        /// A domestic abuse case handled too quickly or lightly.
        DomesticAbuseCaseHandledLightly = "domestic_abuse_case_handled_lightly",
        /// Physical contact or flirting.
        PhysicalContactOrFlirting = "physical_contact_or_flirting",
        /// Nicknames or pet names.
        NicknamesOrPetNames = "nicknames_or_pet_names",
        /// Unnecessary contact by social media, phone or email.
        UnnecessaryContact = "unnecessary_contact",
        /// Messages with kisses or sexual comments.
        MessagesWithKissesOrSexualComments = "messages_with_kisses_or_sexual_comments",
        /// Contact or visits off duty.
        OffDutyContact = "off_duty_contact",
        /// Gifts.
        Gifts = "gifts",
        /// Contact continuing after the case ended.
        ContactAfterCaseEnded = "contact_after_case_ended",
        /// The victim not recognising the relationship as inappropriate.
        VictimDoesNotRecogniseInappropriateness = "victim_does_not_recognise_inappropriateness",
        /// Use of a personal device instead of a work device.
        PersonalDeviceUsed = "personal_device_used",
    }
);
