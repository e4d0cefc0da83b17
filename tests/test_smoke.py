async def test_signed_in_customer_reads_me(gql, sign_in):
    session = await sign_in("13812345678")
    result = await gql("{ me { id maskedPhone roles } }", token=session.access_token)
    assert result["data"]["me"] == {"id": str(session.user_id), "maskedPhone": "138****5678", "roles": ["CUSTOMER"]}
