"""ETC toll cards: a card per plate on the customer's Class II account, debited by toll roads,
car parks, fuel stations and car washes through the signed open API (seed 002, CCB 悦通卡)."""
