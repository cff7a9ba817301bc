import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as connector from './actions/connector/Connector.resource';
import * as line from './actions/line/Line.resource';
import * as registration from './actions/registration/Registration.resource';
import { requestOptions } from '../shared/requestOptions';
import { router } from './actions/router';
import { bitrix24WebhookApiTest } from '../shared/credentialTest';
import { searchLines } from './methods/listSearch';
import { simplifyField } from './helpers/simplify';

export class Bitrix24Sip implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bitrix24 SIP',
		name: 'bitrix24Sip',
		icon: { light: 'file:bitrix24Sip.svg', dark: 'file:bitrix24Sip.dark.svg' },
		group: ['transform'],
		// 2: Simplify on by default, Get Status by line, Check All Lines with office lines, Sync's
		// fields read the input; version 1 nodes keep their parameters and output as they were
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Manage the SIP lines of a Bitrix24 portal (voximplant.sip.*)',
		defaults: { name: 'Bitrix24 SIP' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'bitrix24WebhookApi', required: true, testedBy: 'bitrix24WebhookApiTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Connector', value: 'connector', description: 'The SIP connector licence of the portal' },
					{ name: 'Line', value: 'line', description: 'A SIP line (cloud or office PBX connection)' },
					{ name: 'Registration', value: 'registration', description: 'The SIP registration of a cloud line' },
				],
				default: 'line',
			},
			...line.description,
			...registration.description,
			...connector.description,
			simplifyField,
			requestOptions,
		],
	};

	methods = {
		credentialTest: { bitrix24WebhookApiTest },
		listSearch: { searchLines },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
