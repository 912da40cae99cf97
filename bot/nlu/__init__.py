"""Custom Rasa NLU components for Chinese (see config.yml `pipeline:`).

- ``bot.nlu.tokenizer.SafeJiebaTokenizer``: jieba with the domain dictionaries, no blank tokens.
- ``bot.nlu.policy_entities.PolicyEntityExtractor``: entities from policy_kb.extract (spaCy
  EntityRuler + duration regexes), values normalised to the facts vocabulary.
- ``bot.nlu.retrieval_selector.RetrievalIntentSelector``: Rasa's ResponseSelector, run only
  for messages of its retrieval intent (chitchat).
"""
