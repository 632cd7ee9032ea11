from incidents.models.assessments import Assessment
from incidents.models.attributions import Attribution
from incidents.models.claims import CasualtyClaim
from incidents.models.incidents import Incident
from incidents.models.mentions import Mention
from incidents.models.sources import Source

__all__ = ["Assessment", "Attribution", "CasualtyClaim", "Incident", "Mention", "Source"]
